import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { keysErrors } from '../../domain/errors.js';

export const masterKeyBytes = 32;

/**
 * The software vault's master key (AES-256): read from `path`, or created there (mode 0600, exclusive create so
 * two processes never write different keys) on first start. A file of the wrong size is refused, never "repaired".
 */
export function loadOrCreateMasterKey(path: string): Uint8Array {
  let existing: Buffer | undefined;
  try {
    existing = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing === undefined) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, randomBytes(masterKeyBytes), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    existing = readFileSync(path);
  }
  if (existing.length !== masterKeyBytes)
    throw keysErrors.invalid_master_key(
      { path, bytes: existing.length },
      `master key file must hold ${masterKeyBytes} bytes`,
    );
  if ((statSync(path).mode & 0o077) !== 0)
    throw keysErrors.invalid_master_key(
      { path },
      'master key file must not be readable by group or others (chmod 600)',
    );
  return new Uint8Array(existing);
}
