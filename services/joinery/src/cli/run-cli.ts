import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, createApiClient, type ApiClient } from './api-client.js';
import { commands, findCommand, parseCommandArgs, UsageError, type CommandContext } from './commands.js';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

export function usage(): string {
  return [
    'joinery — a neutral LoRaWAN Join Server',
    '',
    '  joinery start                      embedded mode: every service in one process (same as npm start)',
    ...Object.values(commands).map((c) => `  ${c.usage.split('\n')[0]}`),
    '',
    'The API is JOINERY_API_URL (default http://127.0.0.1:$JOINERY_API_PORT, port 7080). Admin commands use',
    'JOINERY_ADMIN_TOKEN or $JOINERY_DATA_DIR/admin-token; account commands use JOINERY_TOKEN (or --token).',
  ].join('\n');
}

function adminToken(env: NodeJS.ProcessEnv): string {
  if (env.JOINERY_ADMIN_TOKEN !== undefined && env.JOINERY_ADMIN_TOKEN !== '') return env.JOINERY_ADMIN_TOKEN;
  const file = join(env.JOINERY_DATA_DIR ?? './data', 'admin-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new UsageError(
      `no admin token: set JOINERY_ADMIN_TOKEN, or run where ${file} exists (JOINERY_DATA_DIR)`,
    );
  }
}

/** Runs one management command; resolves with the exit code (0 ok, 1 the API refused, 2 a usage mistake). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const found = findCommand(argv);
  if (found === undefined) {
    io.stderr(`${argv.length === 0 ? '' : `unknown command: ${argv.join(' ')}\n\n`}${usage()}\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(found.command, found.rest);
    const baseUrl =
      (values['api-url'] as string | undefined) ??
      io.env.JOINERY_API_URL ??
      `http://127.0.0.1:${io.env.JOINERY_API_PORT ?? 7080}`;
    const explicit = (values.token as string | undefined) ?? io.env.JOINERY_TOKEN;
    const clients = new Map<string, ApiClient>();
    const client = (token: string) =>
      clients.get(token) ?? clients.set(token, createApiClient(baseUrl, token)).get(token)!;
    const ctx: CommandContext = {
      env: io.env,
      admin: () => client(values.token === undefined ? adminToken(io.env) : (values.token as string)),
      account: () => client(explicit !== undefined && explicit !== '' ? explicit : adminToken(io.env)),
      out: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
      warn: (line) => io.stderr(`${line}\n`),
    };
    await found.command.run(ctx, values, positionals);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\nusage: ${found.command.usage}\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      io.stderr(`error: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
