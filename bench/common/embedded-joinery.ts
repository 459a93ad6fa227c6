// Embedded mode as the benches run it: `services/joinery/src/main.ts start` as its own process (all five services,
// LMDB, the in-process bus, the software vault) on loopback ports in a fresh data directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnManaged } from '@joinery/testing/infra';
import { gatewayAboveLoad } from './join-path.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface EmbeddedJoinery {
  readonly pid: number;
  readonly apiUrl: string;
  /** The Backend Interfaces (HTTPS, mTLS). */
  readonly biUrl: string;
  readonly adminToken: string;
  /** Stops the process and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts embedded mode sized for a join-path bench (the gateway above the offered load; cheap claim-code hashing,
 * which only the set-up pays), logging at `warn`; resolves once it says it is running (90 s at most).
 */
export async function startEmbeddedJoinery(
  label: string,
  nodeArgs: readonly string[] = [],
): Promise<EmbeddedJoinery> {
  const dir = mkdtempSync(join(tmpdir(), `joinery-${label}-`));
  const [apiPort, biPort] = [await freePort(), await freePort()];
  const server = spawnManaged({
    command: process.execPath,
    args: [...nodeArgs, '--import', 'tsx', join(repoRoot, 'services/joinery/src/main.ts'), 'start'],
    cwd: repoRoot,
    logFile: join(dir, 'joinery.log'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      JOINERY_DATA_DIR: join(dir, 'data'),
      JOINERY_API_PORT: String(apiPort),
      JOINERY_API_HOST: '127.0.0.1',
      JOINERY_BI_PORT: String(biPort),
      JOINERY_BI_HOST: '127.0.0.1',
      JOINERY_LOG_LEVEL: 'warn',
      JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
      ...gatewayAboveLoad,
    },
  });
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 90_000;
    while (!server.logTail(50).includes('Joinery is running')) {
      if (server.exited() !== undefined || Date.now() > deadline)
        throw new Error(`embedded start failed:\n${server.logTail(30)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      pid: server.pid,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      biUrl: `https://127.0.0.1:${biPort}/`,
      adminToken: readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
