import { relative } from 'node:path';
import { ensureConsoleWebBuilt } from '@joinery/console-web';
import { loadConfig } from '@joinery/config';
import { JoineryError } from '@joinery/errors';
import { createLogger } from '@joinery/logging';
import { launcherConfigSchema, type LauncherConfig } from './config.js';
import { startEmbedded, type RunningEmbedded } from './embedded.js';

/** What a newcomer reads on the terminal: where it listens, where the admin token is, and what to try. */
export function startBanner(running: RunningEmbedded, cwd: string): string {
  const shown = (path: string) => {
    const rel = relative(cwd, path);
    return rel.startsWith('..') ? path : `./${rel}`;
  };
  const token =
    running.adminTokenFile === undefined
      ? 'from JOINERY_ADMIN_TOKEN'
      : `${shown(running.adminTokenFile)} (mode 0600)`;
  return [
    `Joinery is running in embedded mode${running.firstStart ? ' (first start)' : ''}; data in ${shown(running.dataDir)}`,
    `  Backend Interfaces  https://localhost:${running.biPort}/  (mTLS or bearer; CA ${shown(running.caCertFile)})`,
    `  BI public URL       ${running.biPublicUrl}  (what NS bundles name; JOINERY_BI_PUBLIC_URL)`,
    ...(running.biHttpPort === undefined
      ? []
      : [`  Backend Interfaces  http://localhost:${running.biHttpPort}/  (plain HTTP, bearer tokens only)`]),
    `  Management API      http://localhost:${running.apiPort}/api/v1  (OpenAPI at /api/v1/openapi.json)`,
    `  Web console         http://localhost:${running.apiPort}/`,
    `  Admin token         ${token}`,
    '',
    'Try it (in another terminal, from this directory):',
    '  npx joinery admin create-account "Acme"',
    '  npx joinery admin import services/joinery/examples/devices.csv --join-eui 70B3D57ED0000000',
    '  npx joinery devices get 0004A30B001C0530',
    '',
  ].join('\n');
}

/** Where `joinery start` writes its banner and its one-line refusals. */
export interface StartIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: StartIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Errors a person can act on from one line (configuration, a data directory in use, a port in use). */
const oneLineCodes = new Set(['config:invalid', 'joinery:data_dir_in_use', 'joinery:port_in_use']);

/** An error as the one line `joinery start` prints: the configuration's problems joined, no stack. */
export function startFailureLine(err: unknown): string | undefined {
  if (!JoineryError.is(err) || !oneLineCodes.has(err.code)) return undefined;
  return `joinery: ${err.message.replace(/:?\n\s*/g, (m) => (m.startsWith(':') ? ': ' : '; '))}`;
}

/**
 * `joinery start` / `npm start`: embedded mode until SIGINT or SIGTERM. Resolves once it runs (undefined), or with
 * the exit code when it could not start (a readable line on stderr for what the operator can fix).
 */
export async function runStart(env: NodeJS.ProcessEnv, io: StartIo = processIo): Promise<number | undefined> {
  let launcher: LauncherConfig;
  try {
    launcher = loadConfig(launcherConfigSchema, env);
  } catch (err) {
    const line = startFailureLine(err);
    if (line === undefined) throw err;
    io.stderr(`${line}\n`);
    return 1;
  }
  const logger = createLogger({ service: 'joinery', level: launcher.logLevel });
  let running: RunningEmbedded;
  try {
    // A fresh clone (or a changed web console) builds the console's bundle once, here: `npm ci && npm start` is all.
    await ensureConsoleWebBuilt({ log: (line) => logger.info(line) });
    running = await startEmbedded(env, logger);
  } catch (err) {
    const line = startFailureLine(err);
    if (line === undefined) logger.error({ err }, 'joinery failed to start');
    io.stderr(`${line ?? `joinery: failed to start: ${(err as Error).message}`}\n`);
    return 1;
  }
  io.stdout(startBanner(running, process.cwd()));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'joinery stopping');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'joinery did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return undefined;
}
