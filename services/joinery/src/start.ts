import { relative } from 'node:path';
import { ensureConsoleWebBuilt } from '@joinery/console-web';
import { createLogger } from '@joinery/logging';
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

/** `joinery start` / `npm start`: embedded mode until SIGINT or SIGTERM. */
export async function runStart(env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createLogger({ service: 'joinery', level: env.JOINERY_LOG_LEVEL ?? 'info' });
  let running: RunningEmbedded;
  try {
    // A fresh clone (or a changed web console) builds the console's bundle once, here: `npm ci && npm start` is all.
    await ensureConsoleWebBuilt({ log: (line) => logger.info(line) });
    running = await startEmbedded(env, logger);
  } catch (err) {
    logger.error({ err }, 'joinery failed to start');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(startBanner(running, process.cwd()));
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
}
