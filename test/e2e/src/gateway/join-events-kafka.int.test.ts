// Every accepted join appears on `joinery.joins.v1` exactly once, across SIGKILLs of the keys process (and its outbox
// relay) in the middle of a burst of joins sent through the gateway over mTLS. Keys, claims and the gateway run as
// their own processes on Redis and Kafka; the topic is read from the beginning afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { descriptionFor, gatewayErrors } from '@joinery/bi-gateway';
import { connectRedis } from '@joinery/store';
import { JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { requireInfra, startInfra, type Infra } from '@joinery/testing/infra';
import { joinReqBody, newDevice, nsClient, provisionNs, type Device } from './ns-client.js';
import { eventually } from '../contract/management-contract.js';
import { startProcessStack, type ProcessStack } from './process-stack.js';
import { outboxPattern, readJoinEvents, repeated, waitForOutboxDrained } from '../cluster/join-events.js';

const joinEui = '70B3D57ED0003000';
const netId = '00003C';
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
      for (const r of await readJoinEvents(KAFKA_BROKERS, 'join-events-test'))
        if (leftover.has(`${r.devEui}/${r.outboxId}`) && ours.has(r.devEui))
          publishedBeforeRestart.add(`${r.devEui}/${r.outboxId}`);
      await s.startKeys();
    }
    await redis.quit();
    stopAfter = sent.length + joinsBetweenKills;
    await burst;
    client.close();
    await waitForOutboxDrained(s.redisUrl, { connectionName: 'join-events-test', timeoutMs: 60_000 });

    const records = await readJoinEvents(KAFKA_BROKERS, 'join-events-test');
    const events = records.filter((e) => ours.has(e.devEui) && e.outcome === JoinOutcome.ACCEPTED);
    const accepted = sent.filter((e) => e.sessionKeyId !== undefined);
    const uncertain = sent.filter((e) => e.unknown === true);
    // The kills must have cut into the burst, and most joins must have gone through.
    assert.ok(uncertain.length > 0, 'some joins were in flight or refused while keys was down');
    assert.ok(accepted.length >= sent.length / 2, `${accepted.length} of ${sent.length} accepted`);

    // The kills hit the window between Kafka's ack and the outbox trim, and each such record is on Kafka once.
    assert.ok(publishedBeforeRestart.size > 0, 'a kill left records on Kafka that were still in the outbox');
    for (const id of publishedBeforeRestart)
      assert.equal(
        records.filter((r) => `${r.devEui}/${r.outboxId}` === id && ours.has(r.devEui)).length,
        1,
        `outbox id ${id}`,
      );

    // Exactly once: no session, no event id, no (DevEUI, JoinNonce) twice.
    assert.deepEqual(repeated(events.map((e) => e.sessionKeyId)), []);
    assert.deepEqual(repeated(events.map((e) => e.eventId)), []);
    assert.deepEqual(repeated(events.map((e) => `${e.devEui}/${e.joinNonce}`)), []);

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
      const refusals = (await readJoinEvents(KAFKA_BROKERS, 'join-events-test')).filter(
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
