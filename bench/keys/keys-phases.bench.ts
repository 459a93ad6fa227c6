// The keys service (`services/keys/src/main.ts`, software vault, Redis state) through a plan of phases of the ratio
// bench's generator and requests, printed only: where the p99 at half saturation comes from. Per phase: calls/s,
// p50/p99, CPU per call of the keys process and of Redis, syscalls and context switches per call of the keys process
// (`perf stat`, when perf is installed), the outbox's length; per second of the phase (by send time): the answers'
// p50/p99/max; per second of the keys process (bench/keys/loop-observer.mjs): CPU, event-loop utilisation and delay,
// GC.
//
//   node --import tsx bench/keys/keys-phases.bench.ts     starts Redis (libs/testing/infra) unless REDIS_URL is set
//   BENCH_PLAN=closed,open@0.5,open@0.5/1 …    phases: `closed` (64 in flight), `open@F` (open loop at F × the last
//                                             closed phase's calls/s) or `open@N` with N > 1 (N calls/s); `/S`: S s
//   BENCH_SECONDS=10 BENCH_OBSERVE=1 BENCH_KEYS_NODE_ARGS='--cpu-prof …'   (the defaults but the node options)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRedis } from '@joinery/store';
import { freePort } from '@joinery/testing/infra';
import { benchRedis } from '../common/bench-redis.js';
import { createRedisStateStore } from '../../services/keys/src/adapters/redis/redis-state-store.js';
import { keysEntryPoints, startKeysProcess } from '../../services/keys/src/testing/keys-process.js';
import { processCpuSeconds, runMeasuredLoadgen } from '../loadgen/loadgen.js';
import { pidListeningOn } from '../common/join-path.js';
import { handleJoinBodies, importKeysBenchDevices, keysGrpcTarget } from '../ratios/ratios.js';

const plan = (process.env.BENCH_PLAN ?? 'closed,open@0.5,open@0.5/1,open@0.5/1,open@0.25').split(',');
const defaultSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const observe = process.env.BENCH_OBSERVE !== '0';
const nodeArgs = (process.env.BENCH_KEYS_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** Syscalls and context switches of `pid` (all its threads) while `fn` runs; none when perf cannot count them. */
async function perfStat<T>(pid: number, fn: () => Promise<T>): Promise<[T, Record<string, number>]> {
  const events = 'raw_syscalls:sys_enter,context-switches';
  const perf = spawn('perf', ['stat', '-x', ',', '-e', events, '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  perf.once('error', () => undefined);
  let out = '';
  perf.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const result = await fn();
  const closed = new Promise((resolve) => perf.once('close', resolve));
  perf.kill('SIGINT');
  await closed;
  const counts: Record<string, number> = {};
  for (const cols of out.split('\n').map((line) => line.split(',')))
    if (cols.length > 3 && cols[2] !== undefined && cols[2] !== '') counts[cols[2]] = Number(cols[0]);
  return [result, counts];
}

const quantile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

const { baseUrl, url: redisUrl, infra } = await benchRedis(14, 'keys-phases-bench');
const redis = connectRedis(redisUrl, { connectionName: 'keys-phases-bench' });
const redisPid = pidListeningOn(Number(new URL(baseUrl).port));
const dir = mkdtempSync(join(tmpdir(), 'joinery-keys-phases-'));
const observeFile = join(dir, 'observe.jsonl');
const observer = fileURLToPath(new URL('./loop-observer.mjs', import.meta.url));
const port = await freePort();
const keys = await startKeysProcess(
  {
    JOINERY_DATA_DIR: dir,
    JOINERY_LOG_LEVEL: 'warn',
    JOINERY_REDIS_URL: redisUrl,
    OBSERVE_FILE: observeFile,
  },
  join(dir, 'keys.log'),
  port,
  keysEntryPoints.main,
  [...(observe ? ['--import', observer] : []), ...nodeArgs],
);
const observed = () =>
  existsSync(observeFile) ? readFileSync(observeFile, 'utf8').split('\n').filter(Boolean) : [];
try {
  const { rootKey, devEuis } = await importKeysBenchDevices(keys.client, 1000);
  const nonces = new Uint32Array(devEuis.length);
  const bodies = handleJoinBodies(rootKey, devEuis);
  const target = keysGrpcTarget(port);
  const pid = keys.child.pid!;
  await runMeasuredLoadgen(target, { closed: 64, seconds: 2 }, bodies(16_000, nonces), pid);
  const outbox = createRedisStateStore(redis).outbox;
  let saturation = 0;
  for (const [i, token] of plan.entries()) {
    const [spec, secondsText] = token.split('/') as [string, string | undefined];
    const seconds = secondsText === undefined ? defaultSeconds : Number(secondsText);
    const [kind, rateText] = spec.split('@') as [string, string | undefined];
    const rate =
      rateText === undefined
        ? 0
        : Number(rateText) > 1
          ? Number(rateText)
          : Math.round(saturation * Number(rateText));
    if (kind === 'open' && rate < 1)
      throw new Error(`${token}: no rate (an open@F phase needs a closed phase first)`);
    const timeline = join(dir, `timeline-${i}.txt`);
    const phase = kind === 'open' ? { rate, seconds, timeline } : { closed: 64, seconds, timeline };
    const requests = bodies(kind === 'open' ? rate * seconds : 8000 * seconds, nonces);
    const redis0 = redisPid === undefined ? 0 : processCpuSeconds(redisPid);
    const seen = observed().length;
    const load = loadavg()[0]!;
    const [r, counts] = await perfStat(pid, () => runMeasuredLoadgen(target, phase, requests, pid));
    if (kind === 'closed') saturation = r.achieved;
    const ok = Math.max(1, r.ok);
    const redisMs = redisPid === undefined ? NaN : ((processCpuSeconds(redisPid) - redis0) * 1000) / ok;
    const per = (event: string) => ((counts[event] ?? NaN) / ok).toFixed(2);
    const seconds1 = observed()
      .slice(seen)
      .map((line) => JSON.parse(line) as Record<string, number>);
    const busy = seconds1.filter((s) => s['cpuMs']! > 100);
    const elu = busy.reduce((a, s) => a + s['elu']!, 0) / Math.max(1, busy.length);
    console.log(
      `## ${token}${kind === 'open' ? ` ${rate}/s` : ''} (load ${load.toFixed(1)}, busy ${(r.busyShare * 2).toFixed(2)} cores): ` +
        `${r.achieved.toFixed(0)} calls/s, p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} max ${r.max.toFixed(1)} ms; ` +
        `CPU ms/call keys ${r.serverMs.toFixed(3)}, Redis ${redisMs.toFixed(3)}, generator ${r.generatorMs.toFixed(3)}; ` +
        `keys cores ${((r.serverMs * r.achieved) / 1000).toFixed(2)}, ELU ${elu.toFixed(2)}; per call: syscalls ` +
        `${per('raw_syscalls:sys_enter')}, context switches ${per('context-switches')}; errors ${r.errors}; ` +
        `outbox ${await outbox.count()}`,
    );
    const buckets = new Map<number, number[]>();
    for (const line of readFileSync(timeline, 'utf8').split('\n')) {
      if (line === '') continue;
      const [sent, latency] = line.split(' ');
      const s = Math.floor(Number(sent) / 1000);
      buckets.set(s, [...(buckets.get(s) ?? []), Number(latency)]);
    }
    for (const [s, latencies] of [...buckets].sort((a, b) => a[0] - b[0])) {
      latencies.sort((a, b) => a - b);
      console.log(
        `  second ${s}: ${latencies.length} answers, p50 ${quantile(latencies, 0.5).toFixed(1)} p99 ` +
          `${quantile(latencies, 0.99).toFixed(1)} max ${latencies.at(-1)!.toFixed(1)} ms`,
      );
    }
    for (const s of seconds1.slice(0, seconds + 1))
      console.log(
        `  keys: CPU ${s['cpuMs']!.toFixed(0)} ms, ELU ${s['elu']!.toFixed(2)}, delay p99 ${s['delayP99Ms']!.toFixed(1)} ` +
          `max ${s['delayMaxMs']!.toFixed(1)} ms, GC ${s['gcMs']!.toFixed(0)} ms in ${s['gcCount']} (max ` +
          `${s['gcMaxMs']!.toFixed(1)}), heap ${s['heapMB']!.toFixed(0)} MB`,
      );
  }
} finally {
  await keys.kill('SIGTERM');
  await redis.quit();
  await infra?.stop();
  rmSync(dir, { recursive: true, force: true });
}
