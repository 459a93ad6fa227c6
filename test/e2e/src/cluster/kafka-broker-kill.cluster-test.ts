// A broker of a three-broker Kafka cluster SIGKILLed under load and started again: no join event lost, no charge
// lost or doubled, every accepted join on `joinery.joins.v1` exactly once. Keys, claims, the gateway and billing run
// as their own processes on a Redis of this suite and on the cluster (KRaft, topics with replication factor 3 and
// min.insync.replicas=2, producers with acks=all); a simulated NS joins devices over mTLS while the broker that
// leads the most join partitions is killed. Part of `npm run test:cluster`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRedisLedger } from '@joinery/billing';
import { connectKafkaBus } from '@joinery/bus';
import { connectRedis, waitForRedis } from '@joinery/store';
import { fromBinary } from '@bufbuild/protobuf';
import { bytesToHex } from '@joinery/backend-interfaces';
import { ChargeRecordedSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import {
  freePort,
  quietKafka,
  readTopic,
  startInfra,
  startKafkaCluster,
  type Infra,
  type KafkaCluster,
} from '@joinery/testing/infra';
import { joinReqBody, newDevice, nsClient, provisionNs, type Device } from '../gateway/ns-client.js';
import { eventually } from '../contract/management-contract.js';
import { startProcessStack, type ProcessStack } from '../gateway/process-stack.js';
import { serviceProcesses, type ServiceProcesses } from '../stack/service-processes.js';
import { joinsTopic, readJoinEvents, repeated, waitForOutboxDrained } from './join-events.js';

const joinEui = '70B3D57ED0004000';
const netId = '00004C';
const deviceCount = 600;
const concurrency = 6;
/** The broker stays down this long while joins keep coming. */
const downMs = 8_000;

let redis: Infra | undefined;
let cluster: KafkaCluster | undefined;
let stack: ProcessStack | undefined;
let billing: ServiceProcesses | undefined;
const dir = mkdtempSync(join(tmpdir(), 'joinery-broker-kill-'));
after(async () => {
  await billing?.stopAll();
  await stack?.stop();
  await cluster?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const log = (line: string) => console.log(`# ${line}`);

before(async () => {
  [redis, cluster] = await Promise.all([
    startInfra({ kafka: false, softhsm: false, env: {} }),
    startKafkaCluster({ log }),
  ]);
  const redisUrl = redis.env['REDIS_URL']!;
  stack = await startProcessStack({
    redisUrl,
    kafkaBrokers: cluster.brokers,
    redisDb: 0,
    // info: the keys log shows the relay's watermark reads and skips, read back below.
    logLevel: 'info',
    env: { 'bi-gateway': { JOINERY_BI_DEADLINE_MS: '3000' } },
  });
  billing = serviceProcesses({
    dir,
    from: 'source',
    env: {
      JOINERY_LOG_LEVEL: 'warn',
      JOINERY_REDIS_URL: `${redisUrl.replace(/\/\d*$/, '')}/1`,
      JOINERY_KAFKA_BROKERS: cluster.brokers,
      JOINERY_BILLING_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    },
  });
  billing.start('billing');
});

/** The node leading the most partitions of `topic`. */
async function busiestLeader(brokers: string, topic: string): Promise<number> {
  const admin = quietKafka('broker-kill-test', brokers.split(',')).admin();
  await admin.connect();
  try {
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const led = new Map<number, number>();
    for (const p of meta!.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
    return [...led].sort((a, b) => b[1] - a[1])[0]![0];
  } finally {
    await admin.disconnect();
  }
}

interface Sent {
  readonly devEui: string;
  sessionKeyId?: string;
  /** No answer, or neither Success nor a refusal: the join may or may not have happened. */
  unknown?: boolean;
}

test(
  'SIGKILL of the busiest Kafka broker under load, then its restart: no join event lost, no charge lost or doubled',
  { timeout: 480_000 },
  async () => {
    const s = stack!;
    const c = cluster!;
    const devices: Device[] = Array.from({ length: deviceCount }, newDevice);
    const { tls } = await provisionNs(s.claims, s.admin, { joinEui, netId, devices, caCertPem: s.caCertPem });
    const client = nsClient(s.biPort, tls, concurrency);

    // Each device joins once (DevNonce 1), `concurrency` joins in flight: one charge per accepted join.
    const sent: Sent[] = [];
    let next = 0;
    let transactionId = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < devices.length) {
        const device = devices[next++]!;
        const entry: Sent = { devEui: device.devEui };
        sent.push(entry);
        try {
          const res = await client.post(joinReqBody(device, joinEui, netId, 1, ++transactionId));
          const result = (res.json?.['Result'] as { ResultCode?: string } | undefined)?.ResultCode;
          if (result === 'Success') entry.sessionKeyId = String(res.json?.['SessionKeyID']);
          else entry.unknown = true;
        } catch {
          entry.unknown = true;
        }
        // Pace the load so that it spans the outage and the restart.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const load = Promise.all(Array.from({ length: concurrency }, worker));

    while (sent.length < deviceCount / 4) await new Promise((resolve) => setTimeout(resolve, 5));
    const victim = await busiestLeader(c.brokers, joinsTopic);
    const killedAtMs = Date.now() - started;
    const sentAtKill = sent.length;
    await c.kill(victim);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    const sentWhileDown = sent.length - sentAtKill;
    const restartAtMs = Date.now() - started;
    await c.restart(victim);
    await load;
    const loadMs = Date.now() - started;
    client.close();

    // The relay drains the keys outbox, billing consumes every event.
    await waitForOutboxDrained(s.redisUrl, {
      connectionName: 'broker-kill-test',
      timeoutMs: 120_000,
      diagnostics: () => `keys log:\n${s.process('keys').logTail(30)}`,
    });
    await c.waitInSync([joinsTopic]);

    // What the relay met while the broker was down (its warnings in the keys log).
    const relayFailures = new Map<string, number>();
    for (const line of readFileSync(s.process('keys').logFile, 'utf8').split('\n')) {
      const relayLine = line.includes('outbox relay failed');
      const skipLine =
        line.includes('already on Kafka skipped') || line.includes('watermarks read from Kafka');
      if (!relayLine && !skipLine) continue;
      const entry = JSON.parse(line) as {
        msg?: string;
        skipped?: number;
        err?: { type?: string; message?: string };
      };
      const what = relayLine
        ? `${entry.err?.type ?? ''} ${entry.err?.message ?? ''}`.trim().slice(0, 80)
        : `${entry.msg}${entry.skipped === undefined ? '' : ` (${entry.skipped})`}`;
      relayFailures.set(what, (relayFailures.get(what) ?? 0) + 1);
    }
    log(`relay retries: ${JSON.stringify(Object.fromEntries(relayFailures))}`);
    const accepted = sent.filter((e) => e.sessionKeyId !== undefined);
    const uncertain = sent.filter((e) => e.unknown === true);
    assert.ok(sentWhileDown > 0, 'joins were sent while the broker was down');
    assert.ok(accepted.length >= deviceCount * 0.9, `${accepted.length} of ${deviceCount} accepted`);

    const ours = new Set(devices.map((d) => d.devEui));
    const all = (await readJoinEvents(c.brokers, 'broker-kill-test')).filter((e) => ours.has(e.devEui));
    const events = all.filter((e) => e.outcome === JoinOutcome.ACCEPTED);
    const topicDuplicates = repeated(events.map((e) => e.eventId));
    // No join event lost: every accepted join is on the topic, with its session.
    const bySession = new Map(events.map((e) => [e.sessionKeyId, e]));
    const lost = accepted.filter((a) => !bySession.has(a.sessionKeyId!));
    assert.deepEqual(
      lost,
      [],
      `accepted joins missing from the topic; relay: ${JSON.stringify([...relayFailures])}`,
    );
    // On the topic, at least once: a record whose produce request the broker's death left unanswered may be
    // published again by the relay. Every such copy is the same join (same event, session, JoinNonce), never a
    // second one; billing charges it once (below).
    for (const [eventId] of topicDuplicates) {
      const copies = events.filter((e) => e.eventId === eventId);
      assert.equal(
        new Set(copies.map((e) => `${e.devEui}/${e.joinNonce}/${e.sessionKeyId}`)).size,
        1,
        eventId,
      );
    }
    assert.equal(new Set(events.map((e) => e.sessionKeyId)).size, new Set(events.map((e) => e.eventId)).size);
    assert.equal(
      new Set(events.map((e) => `${e.devEui}/${e.joinNonce}`)).size,
      new Set(events.map((e) => e.eventId)).size,
      'no JoinNonce reused',
    );
    // Anything else there is a join whose answer was cut off (a device that was sent once, never two of them).
    const acceptedSessions = new Set(accepted.map((a) => a.sessionKeyId));
    const extra = events.filter((e) => !acceptedSessions.has(e.sessionKeyId));
    assert.ok(
      extra.length <= uncertain.length,
      `${extra.length} events beyond ${uncertain.length} uncertain joins`,
    );

    // Billing: one charge per accepted join (each device joined once), each for the event on the topic.
    const ledgerRedis = connectRedis(`${s.redisUrl.replace(/\/\d*$/, '')}/1`, {
      connectionName: 'broker-kill-test',
    });
    await waitForRedis(ledgerRedis);
    let charged = 0;
    let chargeEvents = 0;
    try {
      const ledger = createRedisLedger(ledgerRedis);
      const joins = new Set(events.map((e) => e.eventId)).size;
      const charges = await eventually(async () => {
        const { charges } = await ledger.list({ limit: 10_000 });
        assert.equal(charges.length, joins, `billing log:\n${billing!.get('billing')?.logTail(20)}`);
        return charges;
      }, 120_000);
      // Let redeliveries from the consumer group's rebalance arrive before counting again.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const final = (await ledger.list({ limit: 10_000 })).charges;
      assert.equal(final.length, charges.length, 'no charge added by redeliveries');
      assert.deepEqual(repeated(final.map((ch) => ch.devEui)), [], 'devices charged twice');
      const eventOf = new Map(events.map((e) => [e.devEui, e.eventId]));
      for (const ch of final) assert.equal(ch.joinEventId, eventOf.get(ch.devEui), ch.devEui);
      const chargedDevices = new Set(final.map((ch) => ch.devEui));
      assert.deepEqual(
        accepted.filter((a) => !chargedDevices.has(a.devEui)),
        [],
        'accepted joins without a charge',
      );
      assert.equal((await ledger.listParked(10)).length, 0);
      charged = final.length;
      // No charge event lost: billing publishes ChargeRecorded through the bus, and the broker's death must not drop
      // any (at least once: a redelivered batch may publish one again).
      chargeEvents = await eventually(async () => {
        const onTopic = (
          await readTopic(c.brokers.split(','), 'joinery.billing.v1', { clientId: 'broker-kill-test' })
        )
          .flatMap((r) => (r.value === null ? [] : [fromBinary(ChargeRecordedSchema, r.value)]))
          .filter((ch) => ours.has(bytesToHex(ch.devEui)));
        const announced = new Set(onTopic.map((ch) => `${bytesToHex(ch.devEui)}/${ch.joinEventId}`));
        assert.deepEqual(
          final.filter((ch) => !announced.has(`${ch.devEui}/${ch.joinEventId}`)).map((ch) => ch.devEui),
          [],
          'charges without their ChargeRecorded event on joinery.billing.v1',
        );
        return onTopic.length;
      }, 60_000);
    } finally {
      ledgerRedis.disconnect();
    }

    // What billing's consumer met (its handler publishes ChargeRecorded through the bus; a failure redelivers; a
    // send that left partitions unacknowledged sends them again).
    const billingRetries = new Map<string, number>();
    const billingLog = billing!.get('billing')?.logFile;
    for (const line of billingLog === undefined ? [] : readFileSync(billingLog, 'utf8').split('\n')) {
      const resent = line.includes('left unacknowledged sent again');
      if (!resent && !line.includes('bus handler failed')) continue;
      const entry = JSON.parse(line) as { err?: { type?: string; code?: string; message?: string } };
      const what = resent
        ? 'unacknowledged partitions sent again'
        : `${entry.err?.code ?? entry.err?.type ?? ''} ${entry.err?.message ?? ''}`.trim().slice(0, 80);
      billingRetries.set(what, (billingRetries.get(what) ?? 0) + 1);
    }
    log(`billing retries: ${JSON.stringify(Object.fromEntries(billingRetries))}`);
    log(
      `figures: ${sent.length} joins sent in ${(loadMs / 1000).toFixed(1)} s, ${accepted.length} accepted, ` +
        `${uncertain.length} uncertain; broker ${victim} SIGKILLed at t=${(killedAtMs / 1000).toFixed(1)} s ` +
        `(${sentAtKill} joins sent), restarted at t=${(restartAtMs / 1000).toFixed(1)} s (${sentWhileDown} joins ` +
        `sent while down); join events on the topic: ${events.length} accepted + ${all.length - events.length} ` +
        `other; lost 0; event ids on the topic twice: ${topicDuplicates.length} ` +
        `(${JSON.stringify(topicDuplicates)}); charges ${charged}, doubled 0; ChargeRecorded events on the topic ` +
        `${chargeEvents}, charges without one 0`,
    );
  },
);

test(
  'acks=all with min.insync.replicas=2: a write only one replica could take is refused by the bus producer, not acknowledged',
  { timeout: 180_000 },
  async () => {
    const c = cluster!;
    const kafka = quietKafka('broker-kill-test', c.brokers.split(','));
    const admin = kafka.admin();
    await admin.connect();
    const topic = `acks-probe-${randomUUID().slice(0, 8)}`;
    // One partition on brokers 1 and 2 (leader 1), both needed in sync; broker 3 keeps the controller quorum.
    await c.createTopics([
      {
        topic,
        replicaAssignment: [{ partition: 0, replicas: [1, 2] }],
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      },
    ]);
    const bus = await connectKafkaBus({ brokers: c.brokers.split(','), clientId: 'acks-probe' });
    const record = (n: number) => ({ topic, key: `k${n}`, value: new Uint8Array([n]), id: `probe-${n}` });
    const end = async () => (await admin.fetchTopicOffsets(topic))[0]!.high;
    try {
      await bus.publish([record(1)]);
      assert.equal(await end(), '1');
      await c.kill(2);
      // Once the leader has dropped broker 2 from the ISR, a write can reach one replica only.
      await eventually(async () => {
        const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        assert.deepEqual(meta!.partitions[0]!.isr, [1]);
      }, 60_000);
      await assert.rejects(bus.publish([record(2)]));
      assert.equal(await end(), '1', 'the refused write is not on the topic');
      // The same write with acks=1 would have been acknowledged by the leader alone: the refusal is acks=all's.
      const loose = kafka.producer({ allowAutoTopicCreation: false });
      await loose.connect();
      // (Kafka ≥ 3.7 keeps it from consumers until the ISR is back to min.insync.replicas: KAFKA-15583.)
      const [acked] = await loose.send({
        topic,
        acks: 1,
        messages: [{ key: 'k3', value: Buffer.from([3]) }],
      });
      await loose.disconnect();
      assert.equal(acked?.errorCode, 0);
      await c.restart(2);
      await c.waitInSync([topic]);
      await bus.publish([record(4)]);
      // Records 1, 3 and 4 are on the topic, in order. The refused record 2 may follow them there: a leader that
      // appended it before it learnt of the shrunk ISR answers NOT_ENOUGH_REPLICAS_AFTER_APPEND, and the record
      // becomes visible once the ISR is back (Kafka's contract for that error: the outcome is unknown, so the bus
      // reports it as a failure and its callers send again, at least once). What it must never be is acknowledged.
      const values = (await readTopic(c.brokers.split(','), topic, { clientId: 'broker-kill-test' })).map(
        (r) => r.value?.[0],
      );
      assert.deepEqual(
        values.filter((v) => v !== 2),
        [1, 3, 4],
      );
      assert.ok(values.filter((v) => v === 2).length <= 1, `record 2 at most once: ${values.join(',')}`);
    } finally {
      await bus.close();
      await admin.disconnect();
    }
  },
);
