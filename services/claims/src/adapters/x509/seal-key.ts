import { loadOrCreateKeyFile } from '@joinery/config';
import { claimsErrors } from '../../domain/errors.js';

export const sealKeyBytes = 32;

/**
 * The claims seal key (AES-256) that seals the CA private key in the store: read from `path`, or created there
 * (mode 0600, exclusive create so two processes never write different keys) on first start. A file of the wrong
 * size or readable by group or others is refused, never "repaired".
 */
export function loadOrCreateSealKey(path: string): Uint8Array {
  return loadOrCreateKeyFile(path, sealKeyBytes, (refusal) =>
    claimsErrors.invalid_seal_key(
      refusal.reason === 'wrong_size' ? { path, bytes: refusal.bytes } : { path },
      `claims seal key file ${refusal.message}`,
    ),
  );
}
