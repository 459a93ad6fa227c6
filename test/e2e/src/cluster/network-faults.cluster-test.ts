// Network faults between keys and Redis, and between keys' outbox relay and Kafka. Redis (a 6-node cluster), Kafka,
// keys, and claims + the gateway each run on a host of their own: network namespaces on a private /24 made by this
// test (libs/testing `createTestNetwork`). Under a steady load of joins from a simulated NS (the test runner's host),
// faults are injected on the keys host one after the other: partitions (nftables drop), random packet loss
// (nftables numgen) and a slow link (tc tbf; this kernel has no netem). During a fault the gateway answers every
// JoinReq with a well-formed JoinAns within its deadline; after it, joins succeed again; throughout, no JoinNonce is
// reused, no DevNonce accepted twice, and every accepted join is on Kafka exactly once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { createGrpcClient, type Client } from '@joinery/grpc';
import { ClaimsService, Scope } from '@joinery/proto/claims/v1/claims_pb';
import { redisClusterUrl } from '@joinery/store';
import {
  createTestNetwork,
  freePort,
  spawnManaged,
  startKafkaOnHost,
  startRedisCluster,
  type ManagedProcess,
  type StartedRedisCluster,
  type TestNetwork,
} from '@joinery/testing/infra';
import { biClient } from '@joinery/testing/simulated-network';
import { joinReqBody, newDevice, provisionNs, type Device } from '../gateway/ns-client.js';
import { repoRoot, waitFor } from '../stack/service-processes.js';
import { devNoncesAcceptedTwice, repeated, waitForAcceptedJoins } from './join-events.js';

const joinEui = '70B3D57ED0005000';
const netId = '00005C';
const deviceCount = 20;
const concurrency = 4;
const deadlineMs = 2_000;
/** What an NS may wait for an answer during a fault: the gateway's deadline and a margin for a loaded machine. */
const answerWithinMs = deadlineMs + 1_500;

interface Up {
  net: TestNetwork;
  redis: StartedRedisCluster;
  kafka: { brokers: string; stop(): Promise<void> };
  services: ManagedProcess[];
  claims: Client<typeof ClaimsService> & { close(): void };
  biUrl: URL;
  caCertPem: string;
  dir: string;
}
let up: Partial<Up> = {};

before(async () => {
  const log = (line: string) => console.error(`  ${line}`);
  const net = await createTestNetwork(['redis', 'kafka', 'keys', 'svc'], { log });
  up.net = net;
  const {
    redis: redisHost,
    kafka: kafkaHost,
    keys: keysHost,
    svc,
  } = net.hosts as Record<string, (typeof net.hosts)[string]>;
  const [redis, kafka] = await Promise.all([
    startRedisCluster({ host: redisHost!.ip, wrap: redisHost!.wrap, log }),
    startKafkaOnHost({ host: kafkaHost!.ip, wrap: kafkaHost!.wrap, log }),
  ]);
  up = { ...up, redis, kafka };
  const dir = mkdtempSync(join(tmpdir(), 'joinery-faults-'));
  up.dir = dir;
  const [keysPort, claimsPort, biPort] = [await freePort(), await freePort(), await freePort()];
  const common = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    JOINERY_LOG_LEVEL: 'info',
    JOINERY_REDIS_URL: redisClusterUrl(redis.env.REDIS_CLUSTER_NODES.split(',')),
    JOINERY_KAFKA_BROKERS: kafka.brokers,
    JOINERY_KEYS_GRPC_ADDRESS: `${keysHost!.ip}:${keysPort}`,
    JOINERY_CLAIMS_GRPC_ADDRESS: `${svc!.ip}:${claimsPort}`,
  };
  const start = (name: string, host: { wrap: readonly string[] }, env: Record<string, string>) => {
    mkdirSync(join(dir, name), { recursive: true, mode: 0o700 });
    const p = spawnManaged({
      command: host.wrap[0]!,
      args: [
        ...host.wrap.slice(1),
        process.execPath,
        '--import',
        'tsx',
        join(repoRoot, 'services', name, 'src', 'main.ts'),
      ],
      cwd: repoRoot,
      logFile: join(dir, `${name}.log`),
      env: { ...common, JOINERY_DATA_DIR: join(dir, name), ...env },
    });
    up.services = [...(up.services ?? []), p];
    return p;
  };
  const keys = start('keys', keysHost!, {
    JOINERY_KEYS_MASTER_KEY_FILE: join(dir, 'keys', 'master.key'),
    JOINERY_KEYS_RELAY_LEASE_MS: '3000',
  });
  await waitFor(
    'keys',
    async () => keys.logTail(200).includes('keys service listening'),
    up.services!,
    120_000,
  );
  start('claims', svc!, {
    JOINERY_ADMIN_TOKEN: `admin-${randomUUID()}`,
    JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
    JOINERY_CLAIMS_KAFKA_GROUP: `faults-claims-${randomUUID()}`,
  });
  start('bi-gateway', svc!, {
    JOINERY_BI_HOST: svc!.ip,
    JOINERY_BI_PORT: String(biPort),
    JOINERY_BI_TLS_HOSTNAMES: svc!.ip,
    JOINERY_BI_DEADLINE_MS: String(deadlineMs),
  });
  up.claims = createGrpcClient(ClaimsService, `${svc!.ip}:${claimsPort}`, { defaultTimeoutMs: 30_000 });
  const biAnswers = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: svc!.ip, port: biPort, rejectUnauthorized: false }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  await waitFor('the gateway on the svc host', biAnswers, up.services!, 120_000);
  up.caCertPem = (await up.claims.issueServerCertificate({ hostnames: [svc!.ip] })).caCertPem;
  up.biUrl = new URL(`https://${svc!.ip}:${biPort}/`);
});

after(async () => {
  up.claims?.close();
  for (const p of (up.services ?? []).reverse()) await p.stop(5_000).catch(() => undefined);
  await up.kafka?.stop().catch(() => undefined);
  await up.redis?.stop().catch(() => undefined);
  await up.net?.destroy();
  if (up.dir) rmSync(up.dir, { recursive: true, force: true });
});

interface Sent {
  readonly devEui: string;
  readonly devNonce: number;
  readonly phase: string;
  ms?: number;
  result?: string;
  sessionKeyId?: string;
  /** No well-formed JoinAns came back. */
  malformed?: string;
}

test(
  'partitions, packet loss and a slow link between keys and Redis and between the relay and Kafka: well-formed answers within the deadline, recovery, 0 invariant violations',
  { timeout: 600_000 },
  async (t) => {
    const u = up as Up;
    const { redis: redisHost, kafka: kafkaHost } = u.net.hosts as Record<string, { ip: string }>;
    const devices: Device[] = Array.from({ length: deviceCount }, newDevice);
    const { tls } = await provisionNs(
      u.claims,
      { accountId: '', scope: Scope.ADMIN, apiKeyId: 'admin-token' },
      {
        joinEui,
        netId,
        devices,
        caCertPem: u.caCertPem,
      },
    );
    const client = biClient(u.biUrl, {
      credentials: { clientCertPem: tls.cert, clientKeyPem: tls.key, caCertPem: tls.ca },
      sockets: concurrency,
    });
    const sent: Sent[] = [];
    const devNonces = new Map(devices.map((d) => [d.devEui, 0]));
    let phase = 'before';
    let running = true;
    let transactionId = 0;
    const worker = async () => {
      while (running) {
        const device = devices[sent.length % devices.length]!;
        const devNonce = devNonces.get(device.devEui)! + 1;
        devNonces.set(device.devEui, devNonce);
        const entry: Sent = { devEui: device.devEui, devNonce, phase };
        sent.push(entry);
        const t0 = Date.now();
        try {
          const res = await client.post(
            joinReqBody(device, joinEui, netId, devNonce, ++transactionId),
            answerWithinMs + 5_000,
          );
          entry.ms = Date.now() - t0;
          const result = (res.json?.['Result'] as { ResultCode?: string } | undefined)?.ResultCode;
          if (res.status !== 200 || res.json?.['MessageType'] !== 'JoinAns' || typeof result !== 'string')
            entry.malformed = `HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`;
          else {
            entry.result = result;
            if (result === 'Success') entry.sessionKeyId = String(res.json?.['SessionKeyID']);
          }
        } catch (err) {
          entry.ms = Date.now() - t0;
          entry.malformed = `no answer: ${String(err)}`;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const load = Promise.all(Array.from({ length: concurrency }, worker));
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const faults: { name: string; apply(): Promise<void> }[] = [
      { name: 'keys-redis partition', apply: () => u.net.partition('keys', redisHost!.ip) },
      { name: 'keys-redis 30% packet loss', apply: () => u.net.loss('keys', redisHost!.ip, 30) },
      { name: 'keys slow link (tbf 64kbit)', apply: () => u.net.throttle('keys', '64kbit') },
      { name: 'relay-kafka partition', apply: () => u.net.partition('keys', kafkaHost!.ip) },
      { name: 'relay-kafka 30% packet loss', apply: () => u.net.loss('keys', kafkaHost!.ip, 30) },
    ];
    await sleep(3_000);
    const injected: string[] = [];
    for (const fault of faults) {
      phase = fault.name;
      await fault.apply();
      injected.push(fault.name);
      await sleep(7_000);
      phase = `after ${fault.name}`;
      await u.net.heal('keys');
      await sleep(6_000);
    }
    phase = 'recovery';
    await sleep(8_000);
    running = false;
    await load;
    client.close();

    // Well-formed answers within the deadline, during the faults too.
    const malformed = sent.filter((e) => e.malformed !== undefined);
    const late = sent.filter((e) => e.ms !== undefined && e.ms > answerWithinMs);
    assert.deepEqual(
      malformed.map((e) => `${e.phase}: ${e.malformed}`),
      [],
      'answers not well-formed',
    );
    assert.deepEqual(
      late.map((e) => `${e.phase}: ${e.ms} ms`),
      [],
      'answers after the deadline',
    );
    const results = new Set(sent.map((e) => e.result));
    for (const r of results) assert.ok(['Success', 'JoinReqFailed', 'Other'].includes(r!), `result ${r}`);
    // Keys cut off from Redis cannot accept joins: the gateway said so (Other), not nothing.
    const duringPartition = sent.filter((e) => e.phase === 'keys-redis partition');
    assert.ok(
      duringPartition.some((e) => e.result === 'Other'),
      'the partition reached the answers',
    );
    // Recovery: after the last fault, joins succeed again.
    const recovery = sent.filter((e) => e.phase === 'recovery');
    assert.ok(recovery.length >= 10, `${recovery.length} joins in recovery`);
    const lastTen = recovery.slice(-10);
    assert.ok(
      lastTen.every((e) => e.result === 'Success'),
      JSON.stringify(lastTen.map((e) => e.result)),
    );

    // Invariants.
    const accepted = sent.filter((e) => e.sessionKeyId !== undefined);
    const devNonceDoubleAccept = devNoncesAcceptedTwice(accepted);
    assert.deepEqual(devNonceDoubleAccept, []);
    const events = await waitForAcceptedJoins(u.kafka.brokers, {
      clientId: 'faults-test',
      devices: new Set(devices.map((d) => d.devEui)),
      sessions: new Set(accepted.map((a) => a.sessionKeyId!)),
      timeoutMs: 90_000,
    });
    const joinNonceReuse = repeated(events.map((e) => `${e.devEui}/${e.joinNonce}`));
    const twiceOnKafka = repeated(events.map((e) => e.sessionKeyId));
    assert.deepEqual(joinNonceReuse, [], 'JoinNonce reused');
    assert.deepEqual(twiceOnKafka, [], 'an accepted join on Kafka twice');
    const byPhase: Record<string, Record<string, number>> = {};
    for (const e of sent) {
      const p = (byPhase[e.phase] ??= {});
      p[e.result ?? 'malformed'] = (p[e.result ?? 'malformed'] ?? 0) + 1;
    }
    t.diagnostic(
      JSON.stringify({
        faults_injected: injected,
        joins_sent: sent.length,
        accepted: accepted.length,
        by_phase: byPhase,
        max_answer_ms: Math.max(...sent.map((e) => e.ms ?? 0)),
        malformed_answers: malformed.length,
        late_answers: late.length,
        join_nonce_reuse: joinNonceReuse.length,
        dev_nonce_double_accept: devNonceDoubleAccept.length,
        accepted_joins_twice_on_kafka: twiceOnKafka.length,
        accepted_joins_missing_on_kafka: 0,
      }),
    );
  },
);
