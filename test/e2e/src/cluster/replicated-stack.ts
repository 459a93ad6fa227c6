// Two replicas of every service (keys, claims, billing, bi-gateway, console), each its own process from source, on a
// Redis Cluster, Kafka and one SoftHSM2 token (the keys replicas share it: the HSM is what lets them share root
// keys). A service reaches the other services' replicas through a gRPC target naming both (`ipv4:a:p1,a:p2`, picked
// first-reachable and re-picked when one dies), as it would behind a Kubernetes Service.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGrpcClient, type Client } from '@joinery/grpc';
import { ClaimsService, Scope } from '@joinery/proto/claims/v1/claims_pb';
import { freePort, requireInfra, type ManagedProcess } from '@joinery/testing/infra';
import {
  serviceProcesses,
  tlsAnswers,
  waitFor,
  type ServiceName,
  type ServiceProcesses,
} from '../stack/service-processes.js';
import { emptyStackRedis } from '../stack/fresh-redis.js';

export const replicatedServices: readonly ServiceName[] = [
  'keys',
  'claims',
  'billing',
  'bi-gateway',
  'console',
];
export type Replica = 0 | 1;

export interface ReplicatedStack {
  readonly claims: Client<typeof ClaimsService> & { close(): void };
  readonly admin: { readonly accountId: string; readonly scope: Scope; readonly apiKeyId: string };
  readonly adminToken: string;
  /** The gateways' BI ports, replica 0 and 1. */
  readonly biPorts: readonly [number, number];
  /** The consoles' REST API URLs. */
  readonly apiUrls: readonly [string, string];
  readonly caCertPem: string;
  /** The topic billing publishes ChargeRecorded to (this stack's own). */
  readonly billingTopic: string;
  process(name: ServiceName, replica: Replica): ManagedProcess;
  /** SIGKILLs one replica and waits until it is gone. */
  kill(name: ServiceName, replica: Replica): Promise<void>;
  /** Starts it again (same configuration) and waits until it answers. */
  restart(name: ServiceName, replica: Replica): Promise<void>;
  stop(): Promise<void>;
}

export async function startReplicatedStack(options: {
  readonly redisUrl: string;
  readonly env?: Partial<Record<ServiceName, Record<string, string>>>;
}): Promise<ReplicatedStack> {
  const infra = requireInfra(
    'KAFKA_BROKERS',
    'PKCS11_MODULE',
    'PKCS11_PIN',
    'PKCS11_TOKEN_LABEL',
    'SOFTHSM2_CONF',
  );
  const dir = mkdtempSync(join(tmpdir(), 'joinery-replicas-'));
  const shared = join(dir, 'shared');
  mkdirSync(shared, { mode: 0o700 });
  for (const r of [0, 1]) mkdirSync(join(dir, `replica-${r}`));
  const ports = async () => [await freePort(), await freePort()] as const;
  const [keys, claims, billing, bi, api] = [
    await ports(),
    await ports(),
    await ports(),
    await ports(),
    await ports(),
  ];
  const both = (p: readonly [number, number]) => `ipv4:127.0.0.1:${p[0]},127.0.0.1:${p[1]}`;
  const adminToken = `admin-${Math.random().toString(36).slice(2)}${Date.now()}`;
  const run = Math.random().toString(36).slice(2, 10);
  const billingTopic = `joinery.billing.replicas.${run}`;

  // The cluster's primaries are flushed: the suites of `npm run test:cluster` run one at a time, and claims would
  // not open a CA sealed by an earlier stack's key.
  await emptyStackRedis(options.redisUrl, 'replicated-stack');

  const replicaProcesses = ([0, 1] as const).map((r) =>
    serviceProcesses({
      dir: join(dir, `replica-${r}`),
      from: 'source',
      env: {
        JOINERY_LOG_LEVEL: 'info',
        JOINERY_REDIS_URL: options.redisUrl,
        JOINERY_KAFKA_BROKERS: infra.KAFKA_BROKERS,
        JOINERY_KEYS_GRPC_ADDRESS: both(keys),
        JOINERY_CLAIMS_GRPC_ADDRESS: both(claims),
        JOINERY_BILLING_GRPC_ADDRESS: both(billing),
      },
      serviceEnv: {
        keys: {
          JOINERY_KEYS_GRPC_ADDRESS: `127.0.0.1:${keys[r]}`,
          JOINERY_PKCS11_MODULE: infra.PKCS11_MODULE,
          JOINERY_PKCS11_PIN: infra.PKCS11_PIN,
          JOINERY_PKCS11_TOKEN_LABEL: infra.PKCS11_TOKEN_LABEL,
          SOFTHSM2_CONF: infra.SOFTHSM2_CONF,
          JOINERY_KEYS_RELAY_LEASE_MS: '3000',
          ...options.env?.keys,
        },
        claims: {
          JOINERY_CLAIMS_GRPC_ADDRESS: `127.0.0.1:${claims[r]}`,
          JOINERY_CLAIMS_SEAL_KEY_FILE: join(shared, 'claims-seal.key'),
          JOINERY_ADMIN_TOKEN: adminToken,
          JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
          JOINERY_CLAIMS_KAFKA_GROUP: `replicas-claims-${run}`,
          ...options.env?.claims,
        },
        billing: {
          JOINERY_BILLING_GRPC_ADDRESS: `127.0.0.1:${billing[r]}`,
          JOINERY_BILLING_KAFKA_GROUP: `replicas-billing-${run}`,
          JOINERY_BILLING_EVENTS_TOPIC: billingTopic,
          ...options.env?.billing,
        },
        'bi-gateway': {
          JOINERY_BI_HOST: '127.0.0.1',
          JOINERY_BI_PORT: String(bi[r]),
          ...options.env?.['bi-gateway'],
        },
        console: {
          JOINERY_API_HOST: '127.0.0.1',
          JOINERY_API_PORT: String(api[r]),
          ...options.env?.console,
        },
      },
    }),
  ) as [ServiceProcesses, ServiceProcesses];
  const all = () => [...replicaProcesses[0].all(), ...replicaProcesses[1].all()];
  const claimsClient = createGrpcClient(ClaimsService, both(claims), { defaultTimeoutMs: 30_000 });
  const apiUrls = [`http://127.0.0.1:${api[0]}`, `http://127.0.0.1:${api[1]}`] as const;
  const answers: Record<ServiceName, (r: Replica) => Promise<boolean>> = {
    keys: async () => true,
    claims: async (r) => {
      const client = createGrpcClient(ClaimsService, `127.0.0.1:${claims[r]}`, { defaultTimeoutMs: 2_000 });
      try {
        await client.issueServerCertificate({ hostnames: ['127.0.0.1'] });
        return true;
      } finally {
        client.close();
      }
    },
    billing: async () => true,
    'bi-gateway': (r) => tlsAnswers(bi[r]),
    console: async (r) =>
      (await fetch(`${apiUrls[r]}/api/v1/whoami`, { headers: { authorization: `Bearer ${adminToken}` } }))
        .status === 200,
  };
  const logSays = (name: ServiceName, r: Replica, text: string) => async () =>
    replicaProcesses[r].get(name)?.logTail(400).includes(text) ?? false;
  const ready: Record<ServiceName, (r: Replica) => Promise<boolean>> = {
    ...answers,
    keys: (r) => logSays('keys', r, 'keys service listening')(),
    billing: (r) => logSays('billing', r, 'listening')(),
  };
  const startOne = async (name: ServiceName, r: Replica) => {
    replicaProcesses[r].start(name);
    await waitFor(`${name} replica ${r}`, () => ready[name](r), all(), 120_000);
  };
  const stop = async () => {
    claimsClient.close();
    await Promise.all(replicaProcesses.map((p) => p.stopAll()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Claims first (it creates the CA that the second replica then opens), keys before the gateways.
    for (const name of ['keys', 'claims', 'billing', 'bi-gateway', 'console'] as const)
      for (const r of [0, 1] as const) await startOne(name, r);
    const { caCertPem } = await claimsClient.issueServerCertificate({ hostnames: ['127.0.0.1'] });
    return {
      claims: claimsClient,
      admin: { accountId: '', scope: Scope.ADMIN, apiKeyId: 'admin-token' },
      adminToken,
      biPorts: bi,
      apiUrls,
      caCertPem,
      billingTopic,
      process(name, r) {
        const p = replicaProcesses[r].get(name);
        if (p === undefined) throw new Error(`${name} replica ${r} is not running`);
        return p;
      },
      async kill(name, r) {
        const p = replicaProcesses[r].get(name);
        if (p === undefined) return;
        process.kill(p.pid, 'SIGKILL');
        await p.stop(0);
        replicaProcesses[r].forget(name);
      },
      restart: startOne,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
