// The distributed mode as an operator runs it: `npm run build`, then keys, claims, billing, bi-gateway and console
// each as its own process (`node services/<svc>/dist/main.js`, no TypeScript loader), on the real Redis, Kafka and
// SoftHSM2 that `npm test` started.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireInfra, type ManagedProcess } from '@joinery/testing/infra';
import { emptyStackRedis } from '../stack/fresh-redis.js';
import { repoRoot, serviceProcesses, tlsAnswers, waitFor } from '../stack/service-processes.js';

let built = false;
/** `npm run build` once per test process: the stacks run the bundles it writes to `services/<svc>/dist`. */
function buildServices(): void {
  if (built) return;
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/build.ts')], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  built = true;
}

export interface DistributedStack {
  readonly apiUrl: string;
  readonly biUrl: URL;
  readonly adminToken: string;
  readonly processes: Readonly<Record<string, ManagedProcess>>;
  stop(): Promise<void>;
}

export interface DistributedOptions {
  /** `pkcs11`: the keys service on SoftHSM2 (PKCS11_* from the infra); `software`: the software vault. */
  readonly vault: 'pkcs11' | 'software';
  /** Redis logical database, so this stack's state is its own. */
  readonly redisDb: number;
  /**
   * A `redis-cluster://` URL instead of REDIS_URL (`npm run test:cluster`): a cluster has database 0 only, so its
   * primaries are flushed instead; the cluster suites run one at a time.
   */
  readonly redisClusterUrl?: string;
}

export async function startDistributedStack(options: DistributedOptions): Promise<DistributedStack> {
  const infra = requireInfra('REDIS_URL', 'KAFKA_BROKERS');
  buildServices();
  const dir = mkdtempSync(join(tmpdir(), 'joinery-distributed-'));
  const [keysPort, claimsPort, billingPort, biPort, apiPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const adminToken = `admin-${Math.random().toString(36).slice(2)}${Date.now()}`;
  // Other suites run services on the same Kafka: this stack's consumers get groups of their own.
  const run = Math.random().toString(36).slice(2, 10);
  const redisUrl = options.redisClusterUrl ?? `${infra.REDIS_URL.replace(/\/\d*$/, '')}/${options.redisDb}`;
  // The database is this stack's own, and its secrets (seal and master keys) are new in `dir`: what an earlier run
  // left there (a Redis given by REDIS_URL outlives runs) could not be opened, and claims would refuse to start.
  await emptyStackRedis(redisUrl, 'distributed-stack');
  const pkcs11 =
    options.vault === 'pkcs11'
      ? (() => {
          const hsm = requireInfra('PKCS11_MODULE', 'PKCS11_PIN', 'PKCS11_TOKEN_LABEL', 'SOFTHSM2_CONF');
          return {
            JOINERY_PKCS11_MODULE: hsm.PKCS11_MODULE,
            JOINERY_PKCS11_PIN: hsm.PKCS11_PIN,
            JOINERY_PKCS11_TOKEN_LABEL: hsm.PKCS11_TOKEN_LABEL,
            SOFTHSM2_CONF: hsm.SOFTHSM2_CONF,
          };
        })()
      : {};
  const services = serviceProcesses({
    dir,
    from: 'dist',
    env: {
      JOINERY_LOG_LEVEL: 'info',
      JOINERY_REDIS_URL: redisUrl,
      JOINERY_KAFKA_BROKERS: infra.KAFKA_BROKERS,
      JOINERY_KEYS_GRPC_ADDRESS: `127.0.0.1:${keysPort}`,
      JOINERY_CLAIMS_GRPC_ADDRESS: `127.0.0.1:${claimsPort}`,
      JOINERY_BILLING_GRPC_ADDRESS: `127.0.0.1:${billingPort}`,
    },
    serviceEnv: {
      keys: pkcs11,
      claims: {
        JOINERY_ADMIN_TOKEN: adminToken,
        JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
        JOINERY_CLAIMS_KAFKA_GROUP: `e2e-claims-${run}`,
      },
      billing: { JOINERY_BILLING_KAFKA_GROUP: `e2e-billing-${run}` },
      'bi-gateway': {
        JOINERY_BI_HOST: '127.0.0.1',
        JOINERY_BI_PORT: String(biPort),
        // The production budget is 1 s; the test machine runs every suite at once on two cores.
        JOINERY_BI_DEADLINE_MS: '10000',
      },
      // The BI port the credentials bundles name (the console's public BI URL is derived from it, as the gateway's).
      console: {
        JOINERY_API_HOST: '127.0.0.1',
        JOINERY_API_PORT: String(apiPort),
        JOINERY_BI_PORT: String(biPort),
      },
    },
  });
  const stopAll = async () => {
    await services.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const names = ['keys', 'claims', 'billing', 'bi-gateway', 'console'] as const;
    const processes = Object.fromEntries(names.map((name) => [name, services.start(name)]));
    const all = Object.values(processes);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor(
      'the console to reach claims',
      async () =>
        (await fetch(`${apiUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${adminToken}` } }))
          .status === 200,
      all,
    );
    await waitFor('the gateway HTTPS listener', () => tlsAnswers(biPort), all);
    return {
      apiUrl,
      biUrl: new URL(`https://127.0.0.1:${biPort}/`),
      adminToken,
      processes,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
