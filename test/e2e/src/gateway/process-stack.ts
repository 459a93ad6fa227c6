// The join path in distributed mode: keys, claims and bi-gateway each as its own process (`services/<svc>/src/main.ts`)
// on Redis and Kafka, the keys service on the software vault with its master key file in a temp dir. The keys process
// can be killed and started again on the same data (the join-events exactly-once test, the load benchmark).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGrpcClient, type Client } from '@joinery/grpc';
import { ClaimsService, Scope } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { freePort, type ManagedProcess } from '@joinery/testing/infra';
import { serviceProcesses, tlsAnswers, waitFor } from '../stack/service-processes.js';

export type StackService = 'keys' | 'claims' | 'bi-gateway';

export interface ProcessStackOptions {
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  /** Redis logical database, so this stack's state (and the keys outbox) is its own. */
  readonly redisDb: number;
  /** Extra environment per service (e.g. the gateway's rate limits for a benchmark). */
  readonly env?: Partial<Record<StackService, Record<string, string>>>;
  /** `info` unless set. */
  readonly logLevel?: string;
  /** Extra node options per service (e.g. `--cpu-prof`). */
  readonly nodeArgs?: Partial<Record<StackService, readonly string[]>>;
}

export interface ProcessStack {
  readonly claims: Client<typeof ClaimsService> & { close(): void };
  readonly admin: { readonly accountId: string; readonly scope: Scope; readonly apiKeyId: string };
  readonly biPort: number;
  /** Joinery's CA, which issued the gateway's server certificate. */
  readonly caCertPem: string;
  readonly redisUrl: string;
  readonly dir: string;
  process(name: StackService): ManagedProcess;
  /** SIGKILLs the keys process (its outbox relay with it) and waits until it is gone. */
  killKeys(): Promise<void>;
  /** Starts the keys process again on the same data directory, master key and Redis; waits until it answers. */
  startKeys(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-join-stack-'));
  const [keysPort, claimsPort, biPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const redisUrl = `${options.redisUrl.replace(/\/\d*$/, '')}/${options.redisDb}`;
  mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
  const services = serviceProcesses({
    dir,
    from: 'source',
    env: {
      JOINERY_LOG_LEVEL: options.logLevel ?? 'info',
      JOINERY_REDIS_URL: redisUrl,
      JOINERY_KAFKA_BROKERS: options.kafkaBrokers,
      JOINERY_KEYS_GRPC_ADDRESS: `127.0.0.1:${keysPort}`,
      JOINERY_CLAIMS_GRPC_ADDRESS: `127.0.0.1:${claimsPort}`,
    },
    serviceEnv: {
      keys: { JOINERY_KEYS_MASTER_KEY_FILE: join(dir, 'secrets', 'keys-master.key'), ...options.env?.keys },
      claims: {
        JOINERY_ADMIN_TOKEN: `admin-${Date.now()}`,
        JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
        ...options.env?.claims,
      },
      'bi-gateway': {
        JOINERY_BI_HOST: '127.0.0.1',
        JOINERY_BI_PORT: String(biPort),
        ...options.env?.['bi-gateway'],
      },
    },
    ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
  });
  const keysClient = createGrpcClient(KeysService, `127.0.0.1:${keysPort}`, { defaultTimeoutMs: 2000 });
  const claims = createGrpcClient(ClaimsService, `127.0.0.1:${claimsPort}`, { defaultTimeoutMs: 30_000 });
  const keysAnswers = async () => {
    await keysClient.getNonceState({ devEui: new Uint8Array(8) }, { timeoutMs: 1000 });
    return true;
  };
  const stop = async () => {
    await services.stopAll();
    keysClient.close();
    claims.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    services.start('keys');
    await waitFor('the keys service', keysAnswers, services.all());
    services.start('claims');
    services.start('bi-gateway');
    await waitFor('the gateway HTTPS listener', () => tlsAnswers(biPort), services.all());
    const { caCertPem } = await claims.issueServerCertificate({ hostnames: ['127.0.0.1'] });
    return {
      claims,
      admin: { accountId: '', scope: Scope.ADMIN, apiKeyId: 'admin-token' },
      biPort,
      caCertPem,
      redisUrl,
      dir,
      process(name) {
        const p = services.get(name);
        if (p === undefined) throw new Error(`${name} is not running`);
        return p;
      },
      async killKeys() {
        const keys = services.get('keys');
        if (keys === undefined) return;
        process.kill(keys.pid, 'SIGKILL');
        await keys.stop(0);
        services.forget('keys');
      },
      async startKeys() {
        services.start('keys');
        await waitFor('the restarted keys service', keysAnswers, services.all());
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
