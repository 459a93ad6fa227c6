// Two replicas of every service on a 6-node Redis Cluster and Kafka, under a steady load of joins from a simulated
// network server that sends each JoinReq to either gateway. One replica of each service is SIGKILLed in turn
// (keys, claims, billing, bi-gateway, console), and restarted. The invariants (PRODUCT.md): no JoinNonce reused, no
// DevNonce accepted twice, every accepted join on Kafka exactly once, one charge per device; the same JoinReq sent to
// both gateways gets the same answer (the duplicate rule across gateway replicas, kept by keys' join retry).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { bytesToHex } from '@joinery/backend-interfaces';
import { ChargeRecordedSchema } from '@joinery/proto/events/v1/events_pb';
import { readTopic, requireClusterInfra, requireInfra } from '@joinery/testing/infra';
import { eventually } from '../contract/management-contract.js';
import { joinReqBody, newDevice, nsClient, provisionNs, type Device } from '../gateway/ns-client.js';
import { devNoncesAcceptedTwice, repeated, waitForAcceptedJoins } from './join-events.js';
import { replicatedServices, startReplicatedStack, type ReplicatedStack } from './replicated-stack.js';

const joinEui = '70B3D57ED0004000';
const netId = '00004C';
const deviceCount = 30;
const concurrency = 6;
/** Joins sent while a replica is down, and between kills. */
const joinsPerPhase = 60;

let stack: ReplicatedStack | undefined;
before(async () => {
  stack = await startReplicatedStack({
    redisUrl: requireClusterInfra().REDIS_CLUSTER_URL,
    env: { 'bi-gateway': { JOINERY_BI_DEADLINE_MS: '3000' } },
  });
});
after(async () => {
  await stack?.stop();
});

interface Sent {
  readonly devEui: string;
  readonly devNonce: number;
  readonly gateway: number;
  sessionKeyId?: string;
  phy?: string;
  /** No answer, or neither Success nor a refusal: the join may or may not have happened. */
  unknown?: boolean;
  failedOver?: boolean;
}

test(
  'SIGKILL of one replica of each service in turn under load: 0 JoinNonce reuse, 0 DevNonce double-accept, each accepted join on Kafka once, one charge per device',
  { timeout: 600_000 },
  async (t) => {
    const brokers = requireInfra('KAFKA_BROKERS').KAFKA_BROKERS;
    const s = stack!;
    const devices: Device[] = Array.from({ length: deviceCount }, newDevice);
    const { tls } = await provisionNs(s.claims, s.admin, { joinEui, netId, devices, caCertPem: s.caCertPem });
    const gateways = [
      nsClient(s.biPorts[0], tls, concurrency),
      nsClient(s.biPorts[1], tls, concurrency),
    ] as const;
    const ours = new Set(devices.map((d) => d.devEui));
    let transactionId = 0;

    // The duplicate rule across gateway replicas: one JoinReq to both at once, the same answer from each.
    const twice = devices[0]!;
    const body = joinReqBody(twice, joinEui, netId, 1, ++transactionId);
    const [first, second] = await Promise.all([gateways[0].post(body), gateways[1].post(body)]);
    const resultOf = (json: Record<string, unknown> | undefined) =>
      (json?.['Result'] as { ResultCode?: string } | undefined)?.ResultCode;
    assert.equal(resultOf(first.json), 'Success', JSON.stringify(first.json));
    assert.equal(resultOf(second.json), 'Success', JSON.stringify(second.json));
    assert.equal(first.json?.['SessionKeyID'], second.json?.['SessionKeyID']);
    assert.equal(first.json?.['PHYPayload'], second.json?.['PHYPayload']);
    const duplicateSession = String(first.json?.['SessionKeyID']);

    // Load: devices round-robin with increasing DevNonces, each JoinReq to a gateway in turn; a transport failure
    // (the gateway is down) is retried once on the other gateway with the same JoinReq, as a load balancer would.
    const sent: Sent[] = [];
    const devNonces = new Map(devices.map((d) => [d.devEui, d === twice ? 1 : 0]));
    let stopAfter = Number.POSITIVE_INFINITY;
    const worker = async () => {
      while (sent.length < stopAfter) {
        const device = devices[sent.length % devices.length]!;
        const devNonce = devNonces.get(device.devEui)! + 1;
        devNonces.set(device.devEui, devNonce);
        const gateway = sent.length % 2;
        const entry: Sent = { devEui: device.devEui, devNonce, gateway };
        sent.push(entry);
        const request = joinReqBody(device, joinEui, netId, devNonce, ++transactionId);
        let res: { status: number; json: Record<string, unknown> | undefined } | undefined;
        try {
          res = await gateways[gateway]!.post(request);
        } catch {
          entry.failedOver = true;
          res = await gateways[1 - gateway]!.post(request).catch(() => undefined);
        }
        const result = resultOf(res?.json);
        if (result === 'Success') {
          entry.sessionKeyId = String(res?.json?.['SessionKeyID']);
          entry.phy = String(res?.json?.['PHYPayload']);
        } else if (result !== 'JoinReqFailed' && result !== 'MICFailed') entry.unknown = true;
        if (entry.unknown === true) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const burst = Promise.all(Array.from({ length: concurrency }, worker));
    const waitSent = async (n: number) => {
      const at = sent.length + n;
      while (sent.length < at && sent.length < stopAfter)
        await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const faults: string[] = [];
    // The consoles answer throughout: the one not killed is asked during every phase.
    const consoleAnswers = async (r: number) =>
      (await fetch(`${s.apiUrls[r]}/api/v1/whoami`, { headers: { authorization: `Bearer ${s.adminToken}` } }))
        .status === 200;
    for (const name of replicatedServices) {
      await waitSent(joinsPerPhase);
      await s.kill(name, 0);
      faults.push(`SIGKILL ${name} replica 0`);
      await waitSent(joinsPerPhase);
      assert.ok(await consoleAnswers(1), `the other console answers while ${name} replica 0 is down`);
      await s.restart(name, 0);
    }
    await waitSent(joinsPerPhase);
    stopAfter = sent.length;
    await burst;
    for (const g of gateways) g.close();

    // Answers: no (DevEUI, DevNonce) accepted with two sessions; most joins went through.
    const accepted = sent.filter((e) => e.sessionKeyId !== undefined);
    const uncertain = sent.filter((e) => e.unknown === true);
    assert.ok(accepted.length >= sent.length * 0.7, `${accepted.length} of ${sent.length} accepted`);
    const doubleAccepted = devNoncesAcceptedTwice(accepted);
    assert.deepEqual(doubleAccepted, [], 'a DevNonce accepted twice');

    // Kafka: every accepted join exactly once, no JoinNonce twice per device.
    const acceptedSessions = new Set([duplicateSession, ...accepted.map((a) => a.sessionKeyId!)]);
    const events = await waitForAcceptedJoins(brokers, {
      clientId: 'replicas-test',
      devices: ours,
      sessions: acceptedSessions,
      timeoutMs: 90_000,
    });
    const joinNonceReuse = repeated(events.map((e) => `${e.devEui}/${e.joinNonce}`));
    const duplicateEvents = repeated(events.map((e) => e.sessionKeyId));
    assert.deepEqual(joinNonceReuse, [], 'a JoinNonce reused');
    assert.deepEqual(duplicateEvents, [], 'an accepted join on Kafka twice');
    assert.deepEqual(repeated(events.map((e) => e.eventId)), []);
    const extra = events.filter((e) => !acceptedSessions.has(e.sessionKeyId));
    assert.ok(
      extra.length <= uncertain.length,
      `${extra.length} events beyond ${uncertain.length} uncertain`,
    );

    // Billing: one charge per device that joined, none for the others, none twice.
    const joined = new Set(events.map((e) => e.devEui));
    const charges: { devEui: string }[] = await eventually(async () => {
      const all = (await readTopic(brokers.split(','), s.billingTopic, { clientId: 'replicas-test' }))
        .flatMap((r) => (r.value === null ? [] : [fromBinary(ChargeRecordedSchema, r.value)]))
        .map((c) => ({ devEui: bytesToHex(c.devEui) }))
        .filter((c) => ours.has(c.devEui));
      const charged = new Set(all.map((c) => c.devEui));
      assert.deepEqual(
        [...joined].filter((d) => !charged.has(d)),
        [],
        'devices that joined without a charge',
      );
      return all;
    }, 90_000);
    const doubleCharges = repeated(charges.map((c) => c.devEui));
    // ChargeRecorded is published at least once; the ledger is what must hold one charge per device.
    const chargedDevices = new Set(charges.map((c) => c.devEui));
    assert.deepEqual(
      [...chargedDevices].filter((d) => !joined.has(d)),
      [],
      'a charge for a device that never joined',
    );
    // The ledger, through the console replica that was not just restarted: one charge per joined device.
    const res = await fetch(`${s.apiUrls[1]}/api/v1/billing/charges`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    assert.equal(res.status, 200);
    const ledger = ((await res.json()) as { charges: { devEui: string }[] }).charges.filter((c) =>
      ours.has(c.devEui),
    );
    const ledgerDoubles = repeated(ledger.map((c) => c.devEui));
    assert.deepEqual(ledgerDoubles, [], 'a device charged twice');
    assert.deepEqual(
      [...joined].filter((d) => !ledger.some((c) => c.devEui === d)),
      [],
      'a joined device without a charge in the ledger',
    );
    assert.equal(ledger.length, joined.size);

    t.diagnostic(
      JSON.stringify({
        faults,
        joins_sent: sent.length + 2,
        accepted: accepted.length + 1,
        uncertain: uncertain.length,
        failed_over_to_other_gateway: sent.filter((e) => e.failedOver === true).length,
        join_events_on_kafka: events.length,
        join_nonce_reuse: joinNonceReuse.length,
        dev_nonce_double_accept: doubleAccepted.length,
        accepted_joins_twice_on_kafka: duplicateEvents.length,
        devices_charged: chargedDevices.size,
        devices_joined: joined.size,
        charge_events_repeated: doubleCharges.length,
        ledger_charges: ledger.length,
        ledger_double_charges: ledgerDoubles.length,
      }),
    );
  },
);
