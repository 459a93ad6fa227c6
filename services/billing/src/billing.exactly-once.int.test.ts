// Issue #7's proof on the real Kafka and Redis: N devices joining several times, every event produced twice, two
// billing instances sharing the consumer group, one SIGKILLed mid-stream and restarted → exactly N charges, each to
// the account that owned the device at its first join; transfers and re-claims charge nothing new.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectKafkaBus, type BusRecord } from '@joinery/bus';
import { connectRedis, waitForRedis } from '@joinery/store';
import { freePort, requireInfra, type ManagedProcess } from '@joinery/testing/infra';
import { JoinKind } from '@joinery/proto/events/v1/events_pb';
import { createRedisLedger } from './adapters/redis/redis-ledger.js';
import { joinEventRecord, startBillingProcess } from './testing/billing-process.js';

const { REDIS_URL, KAFKA_BROKERS } = requireInfra('REDIS_URL', 'KAFKA_BROKERS');
const dir = mkdtempSync(join(tmpdir(), 'joinery-billing-e2e-'));
const processes: ManagedProcess[] = [];
after(async () => {
  for (const p of processes) await p.stop(5000).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const devices = 200;
const dev = (n: number) => `B111${n.toString(16).padStart(12, '0').toUpperCase()}`;
const firstOwner = (n: number) => `acc-${n % 7}`;

test('exactly one charge per device through duplicates, a SIGKILL, a restart and two instances', async () => {
  const redisUrl = `${REDIS_URL.replace(/\/\d*$/, '')}/9`;
  const redis = connectRedis(redisUrl, { connectionName: 'billing-e2e' });
  await waitForRedis(redis);
  await redis.flushdb();
  const ledger = createRedisLedger(redis);
  const run = randomUUID().slice(0, 8);
  const joinsTopic = `joins-e2e-${run}`;
  const env = {
    redisUrl,
    kafkaBrokers: KAFKA_BROKERS,
    joinsTopic,
    eventsTopic: `billing-e2e-${run}`,
    group: `billing-e2e-${run}`,
    dataDir: dir,
  };
  const bus = await connectKafkaBus({ brokers: KAFKA_BROKERS.split(','), clientId: 'billing-e2e' });

  // Per device: a refused join, the first accepted join (owner A), a rejoin, then after a transfer and a re-claim
  // accepted joins that name another account. Every event is produced twice.
  const eventsOf = (n: number): BusRecord[] => {
    const t = Date.UTC(2026, 10, 1) + n * 1000;
    return [
      joinEventRecord(joinsTopic, {
        eventId: `${n}-r`,
        devEui: dev(n),
        accountId: firstOwner(n),
        time: t,
        accepted: false,
      }),
      joinEventRecord(joinsTopic, {
        eventId: `${n}-1`,
        devEui: dev(n),
        accountId: firstOwner(n),
        time: t + 1,
      }),
      joinEventRecord(joinsTopic, {
        eventId: `${n}-2`,
        devEui: dev(n),
        accountId: firstOwner(n),
        time: t + 2,
        kind: JoinKind.REJOIN_TYPE_0,
      }),
      joinEventRecord(joinsTopic, {
        eventId: `${n}-3`,
        devEui: dev(n),
        accountId: 'acc-new-owner',
        time: t + 3,
      }),
    ].flatMap((r) => [r, r]);
  };
  const publishDevices = async (from: number, to: number) => {
    for (let n = from; n < to; n += 25)
      await bus.publish(Array.from({ length: Math.min(25, to - n) }, (_, i) => eventsOf(n + i)).flat());
  };

  const first = startBillingProcess({ ...env, grpcPort: await freePort() }, join(dir, 'billing-1.log'));
  processes.push(first);
  await publishDevices(0, 80);
  const deadline = Date.now() + 60_000;
  while ((await ledger.list({ limit: 1 })).charges.length === 0) {
    if (first.exited() !== undefined) throw new Error(`billing exited: ${first.logTail(30)}`);
    if (Date.now() > deadline) throw new Error(`no charge recorded:\n${first.logTail(30)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const second = startBillingProcess({ ...env, grpcPort: await freePort() }, join(dir, 'billing-2.log'));
  processes.push(second);
  await publishDevices(80, 140);
  process.kill(first.pid, 'SIGKILL');
  await publishDevices(140, 170);
  const restarted = startBillingProcess({ ...env, grpcPort: await freePort() }, join(dir, 'billing-1b.log'));
  processes.push(restarted);
  await publishDevices(170, devices);

  let charges = (await ledger.list({ limit: 10_000 })).charges;
  const until = Date.now() + 120_000;
  while (charges.length < devices && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    charges = (await ledger.list({ limit: 10_000 })).charges;
  }
  // Let every redelivery the kill caused arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  charges = (await ledger.list({ limit: 10_000 })).charges;
  assert.equal(charges.length, devices, `second instance log:\n${second.logTail(20)}`);
  assert.deepEqual(
    new Set(charges.map((c) => c.devEui)),
    new Set(Array.from({ length: devices }, (_, n) => dev(n))),
  );
  for (const c of charges) {
    const n = parseInt(c.devEui.slice(4), 16);
    assert.equal(c.accountId, firstOwner(n), c.devEui);
    assert.equal(c.joinEventId, `${n}-1`);
    assert.equal(c.amountMinor, 20);
  }
  assert.equal((await ledger.listParked(10)).length, 0);
  await bus.close();
  redis.disconnect();
});
