import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AdminToken {
  readonly token: string;
  /** Where it was read from or written to; undefined when it came from the environment. */
  readonly file: string | undefined;
  /** True when this call generated it. */
  readonly created: boolean;
}

/**
 * The admin token (PRODUCT management contract): `JOINERY_ADMIN_TOKEN` if set, otherwise the one in
 * `<dataDir>/admin-token`, generated once (mode 0600) on first start.
 */
export function adminTokenFrom(dataDir: string, configured: string | undefined): AdminToken {
  if (configured !== undefined && configured !== '')
    return { token: configured, file: undefined, created: false };
  const file = join(dataDir, 'admin-token');
  try {
    return { token: readFileSync(file, 'utf8').trim(), file, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file, created: true };
}
