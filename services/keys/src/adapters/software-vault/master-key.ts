import { loadOrCreateKeyFile } from '@joinery/config';
import { keysErrors } from '../../domain/errors.js';

export const masterKeyBytes = 32;

/**
 * The software vault's master key (AES-256): read from `path`, or created there (mode 0600, exclusive create so
 * two processes never write different keys) on first start. A file of the wrong size is refused, never "repaired".
 */
export function loadOrCreateMasterKey(path: string): Uint8Array {
  return loadOrCreateKeyFile(path, masterKeyBytes, (refusal) =>
    keysErrors.invalid_master_key(
      refusal.reason === 'wrong_size' ? { path, bytes: refusal.bytes } : { path },
      `master key file ${refusal.message}`,
    ),
  );
}
