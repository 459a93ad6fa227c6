// The keys service's outbox relay alone on Redis (services/keys/src/adapters/redis/sharded-relay.ts, every one of the
// 32 shards held by this process, publishing to nothing): what it costs idle, and how long a join event waits in the
// outbox at a trickle of events. Redis only (no Kafka): the relay's own cost, apart from the join path's.
//
//   node --import tsx bench/keys/outbox-relay.bench.ts     starts Redis (libs/testing) unless REDIS_URL is set
//   BENCH_SECONDS=10 BENCH_RATE=50 …                       (the defaults) length of each phase, events/s of the trickle
//
// Prints, per phase: the relay process's CPU (ms per second, and per event), Redis's CPU and commands (INFO), and the
// events' delay from append to publish (p50, p99). Nothing is written.
import { connectRedis } from '@joinery/store';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { captureLogs } from '@joinery/logging';
import { createRedisStateStore } from '../../services/keys/src/adapters/redis/redis-state-store.js';
import { startShardedOutboxRelay } from '../../services/keys/src/adapters/redis/sharded-relay.js';
import { outboxShardCount } from '../../services/keys/src/adapters/redis/outbox-shards.js';
import { benchRedis } from '../common/bench-redis.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rate = Number(process.env.BENCH_RATE ?? 50);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const bench = await benchRedis(9, 'outbox-relay-bench');
const redis = connectRedis(bench.url, { connectionName: 'outbox-relay-bench' });
const stats = connectRedis(bench.url, { connectionName: 'outbox-relay-bench-stats' });
const prefix = 'joinery:keys-bench';
const store = createRedisStateStore(redis, { prefix });
const appended = new Map<string, number>();
const delays: number[] = [];
const relay = startShardedOutboxRelay({
  redis,
  shards: store.outboxShards,
  prefix,
  owner: 'bench',
  leaseMs: 10_000,
  publish: async (_shard, records) => {
    const now = performance.now();
    for (const r of records) {
      const at = appended.get(r.key);
      if (at !== undefined) delays.push(now - at);
    }
  },
  onShardTaken: () => undefined,
  logger: captureLogs({ level: 'warn' }).logger,
});

const redisSnapshot = async () => {
  const info = await stats.info('everything');
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  let commands = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (m[1] !== 'info') commands += Number(m[2]);
  return { cpuS: num('used_cpu_user') + num('used_cpu_sys'), commands };
};

async function phase(name: string, work: () => Promise<number>) {
  delays.length = 0;
  const [cpu0, r0, t0, load] = [process.cpuUsage(), await redisSnapshot(), performance.now(), loadavg()[0]!];
  const events = await work();
  const [cpu1, r1, t1] = [process.cpuUsage(cpu0), await redisSnapshot(), performance.now()];
  const s = (t1 - t0) / 1000;
  const relayMs = (cpu1.user + cpu1.system) / 1000;
  const sorted = [...delays].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  console.log(
    JSON.stringify({
      phase: name,
      seconds: Number(s.toFixed(1)),
      events,
      relayCpuMsPerS: Number((relayMs / s).toFixed(2)),
      redisCpuMsPerS: Number((((r1.cpuS - r0.cpuS) * 1000) / s).toFixed(2)),
      redisCommandsPerS: Number(((r1.commands - r0.commands) / s).toFixed(1)),
      ...(events === 0
        ? {}
        : {
            redisCommandsPerEvent: Number(((r1.commands - r0.commands) / events).toFixed(2)),
            delayMsP50: Number(pct(0.5).toFixed(1)),
            delayMsP99: Number(pct(0.99).toFixed(1)),
          }),
      loadavg1: load,
    }),
  );
}

try {
  const deadline = Date.now() + 10_000;
  while (relay.held().length < outboxShardCount && Date.now() < deadline) await sleep(20);
  await sleep(500);
  await phase('idle', async () => {
    await sleep(seconds * 1000);
    return 0;
  });
  // The trickle's appends (one XADD each, as the commit script's) count in the Redis commands per event.
  await phase(`${rate} events/s`, async () => {
    const total = Math.round(rate * seconds);
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const dev = randomBytes(8).toString('hex').toUpperCase();
      appended.set(dev, performance.now());
      await store.appendEvent(dev, { topic: 'joinery.bench.relay', key: dev, value: new Uint8Array(200) });
    }
    while (delays.length < total) await sleep(5);
    return total;
  });
} finally {
  await relay.stop();
  await Promise.all(store.outboxShards.map((s) => redis.del(s.streamKey, s.leaseKey)));
  await stats.quit();
  await redis.quit();
  await bench.infra?.stop();
}
