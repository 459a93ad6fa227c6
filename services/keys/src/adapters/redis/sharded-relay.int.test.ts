// The sharded outbox relay on one Redis (standalone): one read for every held shard, a blocking wait when idle, a new
// record relayed at once, records deleted only after their publish resolved, replicas splitting the shards.
// The Redis commands are counted with MONITOR (only those naming this test's keys).
import { captureLogs } from '@joinery/logging';
import { connectRedis } from '@joinery/store';
import { requireInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { OutboxRecord } from '../../domain/ports.js';
import { outboxShardCount, shardOf } from './outbox-shards.js';
import { createRedisStateStore } from './redis-state-store.js';
import { startShardedOutboxRelay, type ShardedRelayOptions } from './sharded-relay.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};

/** One device of each shard of `shards`. */
const devicesOf = (shards: readonly number[]): string[] =>
  shards.map((k) => {
    for (;;) {
      const dev = randomBytes(8).toString('hex').toUpperCase();
      if (shardOf(dev) === k) return dev;
    }
  });

/**
 * A raw MONITOR connection (`+<time> [<db> <client>] "<command>" "<arg>" …` lines): ioredis's monitor mode loses
 * track of its replies on a busy server.
 */
async function watchCommands(url: string, onLine: (line: string) => void): Promise<Socket> {
  const { hostname, port, password, username } = new URL(url);
  const socket = connect(Number(port || 6379), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  let rest = '';
  let ready: () => void = () => undefined;
  const monitoring = new Promise<void>((resolve) => (ready = resolve));
  socket.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\r\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '+OK') ready();
      else if (line.startsWith('+')) onLine(line);
    }
  });
  const auth =
    password === ''
      ? ''
      : `AUTH ${username === '' ? '' : `${decodeURIComponent(username)} `}${decodeURIComponent(password)}\r\n`;
  socket.write(`${auth}MONITOR\r\n`);
  await monitoring;
  return socket;
}

interface Published {
  readonly shard: number;
  readonly records: readonly OutboxRecord[];
  readonly at: number;
}

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const prefix = `joinery:keys-test:${randomUUID()}`;
  const redis = connectRedis(REDIS_URL, { connectionName: 'keys-relay-test' });
  const store = createRedisStateStore(redis, { prefix });
  const commands: { name: string; at: number; members: boolean }[] = [];
  const monitor = await watchCommands(REDIS_URL, (line) => {
    if (!line.includes(prefix)) return;
    commands.push({
      name: (/\] "([^"]+)"/.exec(line)?.[1] ?? '').toUpperCase(),
      // The server's time of the command (the same clock as this process's): lines may arrive late on a busy machine.
      at: Number(/^\+(\d+\.\d+)/.exec(line)?.[1] ?? 0) * 1000,
      members: line.includes(`"${prefix}:outbox:relays"`),
    });
  });
  const logs = captureLogs();
  const relays: { stop(): Promise<void> }[] = [];
  const start = (
    owner: string,
    publish: ShardedRelayOptions['publish'],
    more: Partial<ShardedRelayOptions> = {},
  ) => {
    const relay = startShardedOutboxRelay({
      redis,
      shards: store.outboxShards,
      prefix,
      owner,
      leaseMs: 60_000,
      publish,
      onShardTaken: () => undefined,
      logger: logs.logger.child({ replica: owner }),
      ...more,
    });
    relays.push(relay);
    return relay;
  };
  const append = (dev: string, n: number) =>
    store.appendEvent(dev, { topic: 'joinery.test.relay', key: dev, value: new Uint8Array([n]) });
  t.after(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(store.outboxShards.map((s) => redis.del(s.streamKey, s.leaseKey)));
    monitor.destroy();
    await redis.quit();
  });
  return { store, commands, start, append, logs };
}

const reads = (commands: readonly { name: string }[]) =>
  commands.filter((c) => c.name === 'XREAD' || c.name === 'XRANGE').length;

test('an idle relay holding every shard waits in one blocking read instead of polling each shard', async (t) => {
  const { commands, start, logs } = await setup(t);
  const relay = start('solo', async () => undefined, { waitMs: 1000 });
  await until('the relay to hold every shard', () => relay.held().length === outboxShardCount);
  await sleep(300);
  const since = Date.now();
  await sleep(1500);
  const windowEnd = Date.now();
  await sleep(200); // the window's last MONITOR lines
  const idle = commands.filter((c) => c.at >= since && c.at <= windowEnd);
  // One XREAD per second of waiting (the leases' renewals are due every 20 s): the per-shard relays polled each of
  // the 32 streams every 100 ms, 480 reads in this time.
  assert.ok(reads(idle) <= 3, `reads while idle: ${reads(idle)}`);
  assert.ok(idle.length <= 3, `commands while idle: ${idle.map((c) => c.name).join(',')}`);
  assert.deepEqual(
    logs.records().filter((r) => r['level'] !== 'info'),
    [],
    'the relay waits, it does not fail',
  );
  // And for a period none at all: the longest gap between the window's ends and its commands.
  const times = [since, ...idle.map((c) => c.at), windowEnd];
  const gap = Math.max(...times.slice(1).map((at, i) => at - times[i]!));
  assert.ok(gap >= 500, `longest quiet period ${gap} ms`);
});

test('a record appended to an idle outbox is relayed at once, not at the next poll', async (t) => {
  const { start, append } = await setup(t);
  const published: Published[] = [];
  const relay = start(
    'solo',
    async (shard, records) => void published.push({ shard, records, at: Date.now() }),
    {
      idleMs: 2000,
    },
  );
  await until('the relay to hold every shard', () => relay.held().length === outboxShardCount);
  const devices = devicesOf([3, 17, 29]);
  const delays: number[] = [];
  for (const [i, dev] of devices.entries()) {
    await sleep(300);
    const sent = Date.now();
    await append(dev, i);
    await until('the record published', () => published.length === i + 1);
    delays.push(published[i]!.at - sent);
    assert.equal(published[i]!.shard, shardOf(dev));
  }
  // Polling every 2 s would leave each of them 1 s on average in the outbox.
  assert.ok(Math.max(...delays) < 500, `delays ${delays.join(', ')} ms`);
});

test('every held shard is read in one command, and records are deleted only once their publish resolved', async (t) => {
  const { store, commands, start, append } = await setup(t);
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const published: Published[] = [];
  const relay = start('solo', async (shard, records) => {
    await gate;
    published.push({ shard, records, at: Date.now() });
  });
  await until('the relay to hold every shard', () => relay.held().length === outboxShardCount);
  const shards = [0, 2, 5, 8, 11, 14, 19, 23, 27, 31];
  const devices = devicesOf(shards);
  // The first record's publish is held up; meanwhile the other shards fill.
  await append(devices[0]!, 0);
  await sleep(100);
  await Promise.all(devices.slice(1).map((dev, i) => append(dev, i + 1)));
  await sleep(200);
  assert.equal(await store.outbox.count(), shards.length, 'nothing deleted before its publish resolved');
  assert.equal(commands.filter((c) => c.name === 'XDEL').length, 0);
  const from = commands.length;
  open();
  await until(
    'every record published',
    () => published.reduce((n, p) => n + p.records.length, 0) === shards.length,
  );
  await until('every record deleted', async () => (await store.outbox.count()) === 0);
  await sleep(100);
  const after = commands.slice(from);
  // The first shard's batch, then the nine others read together: one read, and the blocking wait after it.
  assert.ok(reads(after) <= 3, `reads for ${shards.length - 1} shards: ${reads(after)}`);
  assert.equal(after.filter((c) => c.name === 'XDEL').length, shards.length);
  assert.deepEqual(
    [...new Set(published.map((p) => p.shard))].sort((a, b) => a - b),
    shards,
  );
  // The nine shards' batches were published together (the Kafka publisher merges publishes waiting at once).
  const second = published.slice(1);
  assert.ok(Math.max(...second.map((p) => p.at)) - Math.min(...second.map((p) => p.at)) < 20);
});

test('a failed publish leaves the records in the outbox, and they are published again', async (t) => {
  const { store, start, append } = await setup(t);
  let failures = 2;
  const published: Published[] = [];
  const relay = start(
    'solo',
    async (shard, records) => {
      if (failures-- > 0) throw new Error('broker away');
      published.push({ shard, records, at: Date.now() });
    },
    { retryMs: 100 },
  );
  await until('the relay to hold every shard', () => relay.held().length === outboxShardCount);
  const [dev] = devicesOf([7]);
  await append(dev!, 1);
  await until('a failed attempt', () => failures < 2);
  assert.equal(await store.outbox.count(), 1);
  await until('the record published', () => published.length === 1);
  await until('the record deleted', async () => (await store.outbox.count()) === 0);
  assert.equal(published[0]!.records[0]!.key, dev);
});

test('two relays on one Redis split the shards, each record published by the holder of its shard', async (t) => {
  const { start, append, logs } = await setup(t);
  const published = new Map<string, Published[]>([
    ['a', []],
    ['b', []],
  ]);
  const sink = (owner: string) => async (shard: number, records: readonly OutboxRecord[]) =>
    void published.get(owner)!.push({ shard, records, at: Date.now() });
  const a = start('a', sink('a'), { leaseMs: 3000, idleMs: 50 });
  const b = start('b', sink('b'), { leaseMs: 3000, idleMs: 50 });
  await until(
    'the relays to split the shards',
    () =>
      a.held().length + b.held().length === outboxShardCount && a.held().length >= 8 && b.held().length >= 8,
  );
  assert.deepEqual(
    a.held().filter((k) => b.held().includes(k)),
    [],
  );
  const devices = devicesOf(Array.from({ length: outboxShardCount }, (_, k) => k));
  await Promise.all(devices.map((dev, i) => append(dev, i)));
  const all = () => [...published.values()].flat();
  await until('every record published', () => all().length === outboxShardCount);
  const [heldA, heldB] = [a.held(), b.held()];
  for (const p of published.get('a')!) assert.ok(heldA.includes(p.shard));
  for (const p of published.get('b')!) assert.ok(heldB.includes(p.shard));
  assert.equal(new Set(all().map((p) => p.records[0]!.key)).size, outboxShardCount);
  assert.ok(
    logs
      .grep('"replica":"b"')
      .some((r) => r.msg === 'outbox relay lease taken: this process relays the outbox'),
  );
});

test('the relay heartbeats once per period, not once per shard', async (t) => {
  const { commands, start } = await setup(t);
  const heartbeats: number[] = [];
  const relay = start('solo', async () => undefined, { leaseMs: 3000 });
  await until('the relay to hold every shard', () => relay.held().length === outboxShardCount);
  const from = commands.length;
  await sleep(2600);
  for (const c of commands.slice(from)) if (c.name === 'EVALSHA' && c.members) heartbeats.push(c.at);
  // Due every third of the lease (1 s): two or three in 2.6 s.
  assert.ok(heartbeats.length >= 1 && heartbeats.length <= 4, `heartbeats: ${heartbeats.length}`);
});

test('a shard whose publish failed is retried alone: the others of its turn are deleted once', async (t) => {
  const { store, start, append } = await setup(t);
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const [first, failing, fine] = devicesOf([0, 7, 12]);
  let failures = 1;
  const published: Published[] = [];
  const relay = start(
    'solo',
    async (shard, records) => {
      if (shard === 0) await gate;
      if (shard === 7 && failures-- > 0) throw new Error('broker away');
      published.push({ shard, records, at: Date.now() });
    },
    { retryMs: 100 },
  );
  await until('the relay to hold every shard', () => relay.held().length === outboxShardCount);
  // Shards 7 and 12 fill while shard 0's publish is held up, so the next turn reads and publishes them together.
  await append(first!, 0);
  await sleep(100);
  await Promise.all([append(failing!, 1), append(fine!, 2)]);
  await sleep(100);
  open();
  await until('every record published', () => published.length >= 3);
  await until('every record deleted', async () => (await store.outbox.count()) === 0);
  await sleep(300);
  assert.deepEqual(
    published.map((p) => p.shard),
    [0, 12, 7],
    'shard 12 published once, in the turn shard 7 failed; shard 7 on the retry',
  );
});
