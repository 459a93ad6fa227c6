// Every accepted join appears on `joinery.joins.v1` exactly once, across SIGKILLs of the keys process (and its outbox
// relay) in the middle of a burst of joins sent through the gateway over mTLS. Keys, claims and the gateway run as
// their own processes on Redis and Kafka; the topic is read from the beginning afterwards.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { descriptionFor, gatewayErrors } from '@joinery/bi-gateway';
import { connectRedis } from '@joinery/store';
import { JoinEventSchema, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import { requireInfra, startInfra, type Infra } from '@joinery/testing/infra';
import { Kafka, logLevel } from 'kafkajs';
import { joinReqBody, newDevice, nsClient, provisionNs, type Device } from './ns-client.js';
import { eventually } from '../contract/management-contract.js';
import { startProcessStack, type ProcessStack } from './process-stack.js';

const joinEui = '70B3D57ED0003000';
const netId = '00003C';
const topic = 'joinery.joins.v1';
// The keys outbox shards (ADR 0007): `joinery:keys:{<shard tag>}:outbox`.
const outboxPattern = 'joinery:keys:{*}:outbox';
const redisDb = 0;
const deviceCount = 40;
const joinsBetweenKills = 150;
const concurrency = 8;
const kills = 3;
/** The answer of a join shed on arrival, which is no join event (decided before authentication). */
const overloadedDescription = descriptionFor(gatewayErrors.overloaded());

let stack: ProcessStack | undefined;
let ownRedis: Infra | undefined;
after(async () => {
  await stack?.stop();
  await ownRedis?.stop();
});

interface Sent {
  readonly devEui: string;
  readonly devNonce: number;
  /** The SessionKeyID of the JoinAns when the join was accepted. */
  sessionKeyId?: string;
  /** No answer, or an answer that is neither Success nor a refusal: the join may or may not have happened. */
  unknown?: boolean;
  /** Answered `Other`: keys was down or too slow, so the gateway refused the join and records the refusal itself. */
  refusedByGateway?: boolean;
}

async function drainOutbox(redisUrl: string): Promise<void> {
  const redis = connectRedis(redisUrl, { connectionName: 'join-events-test' });
  try {
    const deadline = Date.now() + 60_000;
    const left = async () => {
      const streams = await redis.keys(outboxPattern);
      const lengths = await Promise.all(streams.map((k) => redis.xlen(k)));
      return lengths.reduce((a, b) => a + b, 0);
    };
    while ((await left()) > 0) {
      if (Date.now() > deadline) throw new Error('the keys outbox was not relayed within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await redis.quit();
  }
}

/** A JoinEvent with its identifiers as upper-case hex, as the test's own records name them. */
type EventView = Omit<JoinEvent, 'devEui' | 'netId' | 'sessionKeyId'> & {
  readonly devEui: string;
  readonly netId: string;
  readonly sessionKeyId: string;
};

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

function viewOf(event: JoinEvent): EventView {
  return {
    ...event,
    devEui: hexOf(event.devEui),
    netId: hexOf(event.netId),
    sessionKeyId: hexOf(event.sessionKeyId),
  };
}

interface TopicRecord {
  readonly event: EventView;
  /** The keys outbox id the relay put in the record's header. */
  readonly outboxId: string;
}

/** Every record of the topic, from the beginning to its current end. */
async function readTopic(brokers: string[]): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'join-events-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const records: TopicRecord[] = [];
  const consumer = kafka.consumer({ groupId: `join-events-test-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`topic not read to its end: ${[...remaining]}`)),
        60_000,
      );
      if (remaining.size === 0) resolve();
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (BigInt(message.offset) >= (ends.get(partition) ?? 0n)) return;
          if (message.value !== null)
            records.push({
              event: viewOf(fromBinary(JoinEventSchema, message.value)),
              outboxId: message.headers?.['outbox_id']?.toString() ?? '',
            });
          if (BigInt(message.offset) + 1n === ends.get(partition)) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

before(async () => {
  const infra = requireInfra('KAFKA_BROKERS');
  // A Redis server of this test alone: the test pauses its writes (below), which must not stall other tests, and
  // its keys outbox is relayed by no other keys process. Kafka is the shared one.
  ownRedis = await startInfra({ kafka: false, softhsm: false, env: {} });
  stack = await startProcessStack({
    redisUrl: ownRedis.env['REDIS_URL']!,
    kafkaBrokers: infra.KAFKA_BROKERS,
    redisDb,
    // The adaptive admission limit may not fall below this test's own concurrency: it counts on most joins going
    // through, and a loaded machine's latency jitter would otherwise shed some of its 8 workers.
    env: { 'bi-gateway': { JOINERY_BI_DEADLINE_MS: '3000', JOINERY_BI_MIN_IN_FLIGHT: String(concurrency) } },
  });
});

test(
  'SIGKILL of the keys process between Kafka ack and outbox trim, three times mid-burst: each accepted join is on Kafka exactly once',
  { timeout: 300_000 },
  async () => {
    const { KAFKA_BROKERS } = requireInfra('KAFKA_BROKERS');
    const s = stack!;
    const devices: Device[] = Array.from({ length: deviceCount }, newDevice);
    const { tls } = await provisionNs(s.claims, s.admin, { joinEui, netId, devices, caCertPem: s.caCertPem });
    const client = nsClient(s.biPort, tls, concurrency);

    // Joins keep coming until the kills are over and a last stretch has been sent: devices round-robin, each with
    // increasing DevNonces (LoRaWAN 1.0.4), `concurrency` in flight, so joins are in flight at every kill.
    const sent: Sent[] = [];
    const devNonces = new Map(devices.map((d) => [d.devEui, 0]));
    let stopAfter = Number.POSITIVE_INFINITY;
    let transactionId = 0;
    const worker = async () => {
      while (sent.length < stopAfter) {
        const device = devices[sent.length % devices.length]!;
        const devNonce = devNonces.get(device.devEui)! + 1;
        devNonces.set(device.devEui, devNonce);
        const entry: Sent = { devEui: device.devEui, devNonce };
        sent.push(entry);
        try {
          const res = await client.post(joinReqBody(device, joinEui, netId, devNonce, ++transactionId));
          const answer = res.json?.['Result'] as { ResultCode?: string; Description?: string } | undefined;
          const result = answer?.ResultCode;
          if (result === 'Success') entry.sessionKeyId = String(res.json?.['SessionKeyID']);
          else if (result !== 'JoinReqFailed' && result !== 'MICFailed') entry.unknown = true;
          // Shed on arrival (a loaded machine): decided before the caller is authenticated, so no join event.
          if (result === 'Other' && answer?.Description !== overloadedDescription)
            entry.refusedByGateway = true;
        } catch {
          entry.unknown = true;
        }
        // As an NS would, do not hammer a Join Server that is down.
        if (entry.unknown === true) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    const burst = Promise.all(Array.from({ length: concurrency }, worker));
    // The crash the relay must survive is the one between Kafka's ack and the outbox trim. To land in it every time,
    // XDEL is taken away from the Redis user (this Redis server is the test's own; joins only XADD): the relay
    // publishes what the outbox holds, fails to trim it, and is SIGKILLed while joins keep adding to it. What the
    // outbox then holds and Kafka already has is exactly what a restarted relay must not publish again.
    const redis = connectRedis(s.redisUrl, { connectionName: 'join-events-test' });
    const publishedBeforeRestart = new Set<string>();
    const ours = new Set(devices.map((d) => d.devEui));
    for (let k = 1; k <= kills; k += 1) {
      const at = sent.length + joinsBetweenKills;
      while (sent.length < at) await new Promise((resolve) => setTimeout(resolve, 5));
      await redis.call('ACL', 'SETUSER', 'default', '-xdel');
      // The relay polls every 100 ms and retries a failed trim after 1 s: this spans a publish or two.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await s.killKeys();
      await redis.call('ACL', 'SETUSER', 'default', '+xdel');
      // Stream ids are unique within a shard, and a device's records all go to its shard: (DevEUI, id) names one.
      const leftover = new Set<string>();
      for (const stream of await redis.keys(outboxPattern))
        for (const [id, fields] of await redis.xrange(stream, '-', '+'))
          leftover.add(`${fields[fields.indexOf('key') + 1]}/${id}`);
      // Other suites publish to the same topic from other outboxes, whose time-based ids can coincide: only ours count.
      for (const r of await readTopic(KAFKA_BROKERS.split(',')))
        if (leftover.has(`${r.event.devEui}/${r.outboxId}`) && ours.has(r.event.devEui))
          publishedBeforeRestart.add(`${r.event.devEui}/${r.outboxId}`);
      await s.startKeys();
    }
    await redis.quit();
    stopAfter = sent.length + joinsBetweenKills;
    await burst;
    client.close();
    await drainOutbox(s.redisUrl);

    const records = await readTopic(KAFKA_BROKERS.split(','));
    const events = records
      .map((r) => r.event)
      .filter((e) => ours.has(e.devEui) && e.outcome === JoinOutcome.ACCEPTED);
    const accepted = sent.filter((e) => e.sessionKeyId !== undefined);
    const uncertain = sent.filter((e) => e.unknown === true);
    // The kills must have cut into the burst, and most joins must have gone through.
    assert.ok(uncertain.length > 0, 'some joins were in flight or refused while keys was down');
    assert.ok(accepted.length >= sent.length / 2, `${accepted.length} of ${sent.length} accepted`);

    // The kills hit the window between Kafka's ack and the outbox trim, and each such record is on Kafka once.
    assert.ok(publishedBeforeRestart.size > 0, 'a kill left records on Kafka that were still in the outbox');
    for (const id of publishedBeforeRestart)
      assert.equal(
        records.filter((r) => `${r.event.devEui}/${r.outboxId}` === id && ours.has(r.event.devEui)).length,
        1,
        `outbox id ${id}`,
      );

    // Exactly once: no session, no event id, no (DevEUI, JoinNonce) twice.
    const count = (values: string[]) => {
      const seen = new Map<string, number>();
      for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
      return [...seen].filter(([, n]) => n > 1);
    };
    assert.deepEqual(count(events.map((e) => e.sessionKeyId)), []);
    assert.deepEqual(count(events.map((e) => e.eventId)), []);
    assert.deepEqual(count(events.map((e) => `${e.devEui}/${e.joinNonce}`)), []);

    // Every accepted join is there; anything else there is a join whose answer the kill cut off.
    const bySession = new Map(events.map((e) => [e.sessionKeyId, e]));
    const missing = accepted.filter((a) => !bySession.has(a.sessionKeyId!));
    assert.deepEqual(missing, []);
    for (const a of accepted) assert.equal(bySession.get(a.sessionKeyId!)?.devEui, a.devEui);
    const acceptedSessions = new Set(accepted.map((a) => a.sessionKeyId));
    const extra = events.filter((e) => !acceptedSessions.has(e.sessionKeyId));
    assert.ok(
      extra.length <= uncertain.length,
      `${extra.length} events for joins not seen accepted, only ${uncertain.length} uncertain`,
    );
    const uncertainDevices = new Set(uncertain.map((u) => u.devEui));
    for (const e of extra)
      assert.ok(uncertainDevices.has(e.devEui), `event for ${e.devEui} that nobody sent`);

    // Every join the gateway refused because keys was unreachable is on Kafka too, as a REFUSED event with the
    // transport's error code, written by the gateway once keys was back (it may still be on its way: wait for it).
    const refusedByGateway = sent.filter((e) => e.refusedByGateway === true);
    assert.ok(refusedByGateway.length > 0, 'some joins were answered Other while keys was down');
    const expected = new Map<string, number>();
    for (const r of refusedByGateway) expected.set(r.devEui, (expected.get(r.devEui) ?? 0) + 1);
    await eventually(async () => {
      const refusals = (await readTopic(KAFKA_BROKERS.split(',')))
        .map((r) => r.event)
        .filter(
          (e) => ours.has(e.devEui) && e.outcome === JoinOutcome.REFUSED && !e.errorCode.startsWith('keys:'),
        );
      for (const e of refusals) {
        assert.match(e.errorCode, /^(grpc|gateway):(unavailable|deadline_exceeded)$/, e.errorCode);
        assert.equal(e.resultCode, 'Other');
        assert.equal(e.netId, netId);
      }
      const missing = [...expected].filter(
        ([devEui, n]) => refusals.filter((e) => e.devEui === devEui).length < n,
      );
      assert.deepEqual(missing, [], 'devices with fewer REFUSED events than refusals answered');
    }, 60_000);
  },
);
