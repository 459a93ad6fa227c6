import { chmodSync, mkdirSync, statSync } from 'node:fs';

/**
 * A data folder only its owner can enter: created 0700; an existing one that group or others can read or enter is
 * tightened to 0700, and `warn` is told (it holds keys and tokens). Returns the mode it had when it was loosened.
 */
export function ensurePrivateDir(
  dir: string,
  warn: (fields: { data_dir: string; mode: string }, message: string) => void,
): number | undefined {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  chmodSync(dir, 0o700);
  warn(
    { data_dir: dir, mode: `0${mode.toString(8)}` },
    'the data directory was open to group or others; tightened to 0700',
  );
  return mode;
}
