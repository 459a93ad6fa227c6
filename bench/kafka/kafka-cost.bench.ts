// Kafka's cost per join on the distributed path (issue 23; docs/perf/kafka-cost-2026-12-08.md): the stack of
// `BENCH_ONLY=distributed` bench/ratios (bi-gateway, claims, keys as processes on Redis and a one-node Kafka), its
// closed-loop saturation and then an open loop, each phase with
// - CPU per join of every process (from /proc), as bench/ratios measures it;
// - the broker's requests per join by type (Produce, Fetch, OffsetCommit, Heartbeat, …) and records per join, from
//   its own JMX counters (the agent attached with `jcmd`, read by BrokerRequests.java before and after the phase);
// - the delay of the join events as a second consumer group of joinery.joins.v1 sees them (it stands in for billing,
//   which consumes the topic beside claims in a deployment; the fetch settings are claims'): from the relay's produce
//   call (the record's timestamp) and from the join (the event's time) to the fetch that delivered it, p50 / p99.
//
//   node --import tsx bench/kafka/kafka-cost.bench.ts
//   BENCH_SECONDS=10 BENCH_RATE=300 BENCH_DEVICES=2000 BENCH_IN_FLIGHT=64 BENCH_WARMUP_S=2   (the defaults)
//   BENCH_STACK_ENV='{"keys":{"JOINERY_KEYS_KAFKA_LINGER_MS":"20"},"claims":{"JOINERY_KAFKA_FETCH_MAX_WAIT_MS":"20"}}'
//                                                   extra service environment (the observer takes claims' fetch settings)
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema } from '@joinery/proto/events/v1/events_pb';
import { freePort, startInfra } from '@joinery/testing/infra';
import { Kafka, logLevel } from 'kafkajs';
import { newDevice, type Device } from '../../test/e2e/src/gateway/ns-client.js';
import type { LoadgenPhase } from '../loadgen/loadgen.js';
import { joinReqs, pathPhase, withDistributedStack, type RatioOptions } from '../ratios/ratios.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rate = Number(process.env.BENCH_RATE ?? 300);
/** The closed-loop warm-up before the measured phases; 2 s as bench/ratios unless set (the broker's JIT needs more). */
const warmupS = Number(process.env.BENCH_WARMUP_S ?? 2);
const stackEnv = JSON.parse(process.env.BENCH_STACK_ENV ?? '{}') as NonNullable<RatioOptions['serviceEnv']>;
const execFileAsync = promisify(execFile);
const log = (line: string) => console.log(`[kafka-cost] ${line}`);

/**
 * The broker's JMX counters, through BrokerRequests.java (compiled once into `classes`). Asynchronously: the observer
 * below must keep fetching meanwhile, or its events' delays measure this bench's pauses.
 */
async function brokerCounters(classes: string, port: number): Promise<Map<string, number>> {
  const { stdout } = await execFileAsync('java', ['-cp', classes, 'BrokerRequests', String(port)]);
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])] as const),
  );
}

/**
 * CPU seconds of each thread of `pid` from /proc, summed by thread name without its numbers: unlike the JMX view it
 * includes the JVM's own threads (JIT compilers, GC), which the broker's Java threads do not account for.
 */
function threadCpuSeconds(pid: number): Map<string, number> {
  const ticks = 100;
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+/g, 'N');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks);
    } catch {
      // The thread ended.
    }
  }
  return byName;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  const infra = await startInfra({ softhsm: false, log: (line) => log(line) });
  const classes = mkdtempSync(join(tmpdir(), 'joinery-kafka-cost-'));
  try {
    execFileSync('javac', ['-d', classes, new URL('./BrokerRequests.java', import.meta.url).pathname]);
    const o: RatioOptions = {
      redisUrl: infra.env['REDIS_URL']!,
      kafkaBrokers: infra.env['KAFKA_BROKERS']!,
      devices: Number(process.env.BENCH_DEVICES ?? 2000),
      seconds,
      inFlight: Number(process.env.BENCH_IN_FLIGHT ?? 64),
      overloadSeconds: 0,
      serviceEnv: stackEnv,
    };
    const devices: Device[] = Array.from({ length: o.devices }, newDevice);
    const next = joinReqs(devices);
    await withDistributedStack(o, devices, next, log, async (target, pids) => {
      const jmxPort = await freePort();
      execFileSync('jcmd', [
        String(pids['kafka']),
        'ManagementAgent.start',
        `jmxremote.port=${jmxPort}`,
        `jmxremote.rmi.port=${jmxPort}`,
        'jmxremote.authenticate=false',
        'jmxremote.ssl=false',
        'jmxremote.host=127.0.0.1',
      ]);
      // The observer: a consumer group of its own on the join events, fetching as claims does.
      const kafka = new Kafka({
        clientId: 'kafka-cost',
        brokers: o.kafkaBrokers.split(','),
        logLevel: logLevel.NOTHING,
      });
      const consumer = kafka.consumer({
        groupId: `kafka-cost-${Date.now()}`,
        minBytes: Number(stackEnv.claims?.['JOINERY_KAFKA_FETCH_MIN_BYTES'] ?? 64 * 1024),
        maxWaitTimeInMs: Number(stackEnv.claims?.['JOINERY_KAFKA_FETCH_MAX_WAIT_MS'] ?? 50),
      });
      const seen: { at: number; fromRelay: number; fromJoin: number }[] = [];
      let observerFetches = 0;
      consumer.on(consumer.events.FETCH, () => void observerFetches++);
      await consumer.connect();
      await consumer.subscribe({ topic: 'joinery.joins.v1', fromBeginning: false });
      await consumer.run({
        // It commits nothing: the broker's OffsetCommits are claims' alone.
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const now = Date.now();
          const at = performance.now();
          for (const m of batch.messages) {
            const event = fromBinary(JoinEventSchema, m.value ?? new Uint8Array());
            seen.push({
              at,
              fromRelay: now - Number(m.timestamp),
              fromJoin: event.time === undefined ? NaN : now - timestampMs(event.time),
            });
          }
        },
      });
      try {
        const measured = async (name: string, load: LoadgenPhase, count: number) => {
          // The JoinReqs first: building them blocks this process (and its observer) for a while.
          const work = next(count);
          const before = await brokerCounters(classes, jmxPort);
          const threadsBefore = threadCpuSeconds(pids['kafka']!);
          const [fetchesBefore, t0] = [observerFetches, performance.now()];
          const p = await pathPhase(target, load, work, pids);
          const [fetchesAfter, t1] = [observerFetches, performance.now()];
          const threadsAfter = threadCpuSeconds(pids['kafka']!);
          const after = await brokerCounters(classes, jmxPort);
          const ok = Math.max(1, p.joins);
          const perJoin = (k: string) => ((after.get(k) ?? 0) - (before.get(k) ?? 0)) / ok;
          const requests = [...after.keys()]
            // FetchConsumer and FetchFollower are Fetch again, split by who asked.
            .filter((k) => /^request\.(?!FetchConsumer|FetchFollower)/.test(k) && perJoin(k) >= 0.001)
            .sort((a, b) => perJoin(b) - perJoin(a))
            .map((k) => `${k.slice(8)} ${perJoin(k).toFixed(3)}`);
          const inPhase = seen.filter((s) => s.at >= t0 && s.at <= t1);
          const relay = inPhase.map((s) => s.fromRelay).sort((a, b) => a - b);
          const fromJoin = inPhase.map((s) => s.fromJoin).sort((a, b) => a - b);
          const split = Object.entries(p.perProcessMsPerJoin).map(([k, ms]) => `${k} ${ms.toFixed(3)}`);
          // The broker's CPU per join by thread group (ms), the largest first.
          const threads = [...after.keys()]
            .filter((k) => k.startsWith('thread.') && perJoin(k) / 1e6 >= 0.005)
            .sort((a, b) => perJoin(b) - perJoin(a))
            .map((k) => `${k.slice(7)} ${(perJoin(k) / 1e6).toFixed(3)}`);
          const osThreads = [...threadsAfter]
            .map(([name, s]) => [name, ((s - (threadsBefore.get(name) ?? 0)) * 1000) / ok] as const)
            .filter(([, ms]) => ms >= 0.005)
            .sort((a, b) => b[1] - a[1])
            .map(([name, ms]) => `${name} ${ms.toFixed(3)}`);
          log(
            `${name}: ${p.joinsPerS.toFixed(0)} joins/s, ${p.cpuMsPerJoin.toFixed(3)} ms CPU/join (${split.join(', ')}); ` +
              `broker requests/join: ${requests.join(', ')} (observer fetches ${((fetchesAfter - fetchesBefore) / ok).toFixed(3)}); ` +
              `records in/join ${perJoin('topic.MessagesInPerSec').toFixed(2)}; ` +
              `event delay ms from relay p50 ${quantile(relay, 0.5).toFixed(1)} p99 ${quantile(relay, 0.99).toFixed(1)}, ` +
              `from join p50 ${quantile(fromJoin, 0.5).toFixed(1)} p99 ${quantile(fromJoin, 0.99).toFixed(1)} (${inPhase.length} events); ` +
              `broker threads ms/join: ${threads.join(', ')}; ` +
              `broker OS threads ms/join: ${osThreads.join(', ')}; ` +
              `errors ${p.errors}, load ${JSON.stringify(p.load)}`,
          );
        };
        await pathPhase(target, { rate: 300, seconds: 2 }, next(600), pids);
        await pathPhase(target, { closed: o.inFlight, seconds: warmupS }, next(4000 * warmupS), pids);
        await measured('saturation', { closed: o.inFlight, seconds }, 4000 * seconds);
        await measured(`at ${rate}/s`, { rate, seconds }, rate * seconds);
        await measured('idle', { rate: 1, seconds: 5 }, 5);
      } finally {
        await consumer.disconnect();
      }
    });
  } finally {
    rmSync(classes, { recursive: true, force: true });
    await infra.stop();
  }
}

await main();
