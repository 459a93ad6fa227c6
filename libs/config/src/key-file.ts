import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Why a key file was refused, for the caller's own error. */
export type KeyFileRefusal =
  | { readonly reason: 'wrong_size'; readonly bytes: number; readonly message: string }
  | { readonly reason: 'group_or_other_readable'; readonly message: string };

/**
 * A secret key of `bytes` random bytes kept in a file (a vault master key, a seal key): read from `path`, or created
 * there on first start (directory 0700, file 0600, exclusive create so two processes never write different keys).
 * A file of the wrong size, or readable by group or others, is refused through `refuse` (which returns the error to
 * throw) and never "repaired". The bytes read are zeroed when refused.
 */
export function loadOrCreateKeyFile(
  path: string,
  bytes: number,
  refuse: (refusal: KeyFileRefusal) => Error,
): Uint8Array {
  let existing: Buffer | undefined;
  try {
    existing = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing === undefined) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, randomBytes(bytes), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    existing = readFileSync(path);
  }
  if (existing.length !== bytes) {
    const found = existing.length;
    existing.fill(0);
    throw refuse({ reason: 'wrong_size', bytes: found, message: `must hold ${bytes} bytes` });
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    existing.fill(0);
    throw refuse({
      reason: 'group_or_other_readable',
      message: 'must not be readable by group or others (chmod 600)',
    });
  }
  return new Uint8Array(existing.buffer, existing.byteOffset, existing.length);
}
