import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './commands.js';

/** A token and where it came from, said on stderr (never the token). */
export interface TokenChoice {
  readonly token: string;
  /** e.g. `the admin token in ./data/admin-token`. */
  readonly source: string;
}

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/** The data directory `npm start` uses: JOINERY_DATA_DIR, default ./data. */
export const dataDirOf = (env: NodeJS.ProcessEnv) =>
  set(env.JOINERY_DATA_DIR) ? env.JOINERY_DATA_DIR : './data';

/** The admin token as `npm start` keeps it: JOINERY_ADMIN_TOKEN, else `$JOINERY_DATA_DIR/admin-token`. */
export function adminTokenOf(env: NodeJS.ProcessEnv): TokenChoice {
  if (set(env.JOINERY_ADMIN_TOKEN))
    return { token: env.JOINERY_ADMIN_TOKEN, source: 'the admin token in JOINERY_ADMIN_TOKEN' };
  const file = join(dataDirOf(env), 'admin-token');
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    throw new UsageError(
      `no admin token: set JOINERY_ADMIN_TOKEN, or run where ${file} exists (JOINERY_DATA_DIR, default ./data)`,
    );
  }
  return { token, source: `the admin token in ${file}` };
}

/** `--token`, else for account commands JOINERY_TOKEN, else the admin token. */
export function tokenOf(
  env: NodeJS.ProcessEnv,
  option: string | undefined,
  kind: 'admin' | 'account',
): TokenChoice {
  if (set(option)) return { token: option, source: 'the token given with --token' };
  if (kind === 'account' && set(env.JOINERY_TOKEN))
    return { token: env.JOINERY_TOKEN, source: 'the API key in JOINERY_TOKEN' };
  return adminTokenOf(env);
}

const wildcard = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The management API `npm start` serves: `--api-url`, else JOINERY_API_URL, else http://<JOINERY_API_HOST unless it
 * is a wildcard, 127.0.0.1>:<JOINERY_API_PORT, default 7080>.
 */
export function apiUrlOf(env: NodeJS.ProcessEnv, option: string | undefined): string {
  if (set(option)) return option;
  if (set(env.JOINERY_API_URL)) return env.JOINERY_API_URL;
  const configured = env.JOINERY_API_HOST ?? '';
  const host = wildcard.has(configured) ? '127.0.0.1' : configured;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${set(env.JOINERY_API_PORT) ? env.JOINERY_API_PORT : 7080}`;
}
