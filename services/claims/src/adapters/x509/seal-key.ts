import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { claimsErrors } from '../../domain/errors.js';

export const sealKeyBytes = 32;

/**
 * The claims seal key (AES-256) that seals the CA private key in the store: read from `path`, or created there
 * (mode 0600, exclusive create so two processes never write different keys) on first start. A file of the wrong
 * size or readable by group or others is refused, never "repaired". The same scheme as the keys service's vault
 * master key; services do not import each other, so claims has its own.
 */
export function loadOrCreateSealKey(path: string): Uint8Array {
  let existing: Buffer | undefined;
  try {
    existing = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing === undefined) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, randomBytes(sealKeyBytes), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    existing = readFileSync(path);
  }
  if (existing.length !== sealKeyBytes) {
    existing.fill(0);
    throw claimsErrors.invalid_seal_key(
      { path, bytes: existing.length },
      `claims seal key file must hold ${sealKeyBytes} bytes`,
    );
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    existing.fill(0);
    throw claimsErrors.invalid_seal_key(
      { path },
      'claims seal key file must not be readable by group or others (chmod 600)',
    );
  }
  return new Uint8Array(existing.buffer, existing.byteOffset, existing.length);
}
