// Join path load benchmark: a network server sending JoinReqs over mTLS keep-alive connections to the gateway, with
// the gateway, claims and keys as separate processes (their main.ts) on Redis and Kafka (outbox relay on).
//
//   node --import tsx bench/joins/joins.bench.ts          starts Redis and Kafka (libs/testing/infra) unless
//                                                         REDIS_URL and KAFKA_BROKERS are set; writes RESULTS.md
//   BENCH_RATES=500,1000 BENCH_SECONDS=5 …                 other offered loads / durations (then no RESULTS.md)
//   BENCH_PROFILE=1 …                                     also CPU-profiles the three services (--cpu-prof) and
//                                                         prints where their time goes
//
// Method: 5,000 LoRaWAN 1.0.4 devices imported with claim codes, claimed by one owner for one NS; JoinReqs (valid
// MICs, increasing DevNonces, devices round-robin so no device has two joins in flight) are built before each phase.
// Open loop: each phase sends at a fixed offered rate for BENCH_SECONDS, latency measured from the *scheduled* send
// time to the answer (so a stalled generator or server shows up as latency, no coordinated omission). Saturation:
// closed loop with 128 requests in flight.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connectRedis } from '@joinery/store';
import { startInfra, type Infra } from '@joinery/testing/infra';
import { joinReqBody, newDevice, provisionNs, type Device } from '../../test/e2e/src/gateway/ns-client.js';
import { distributedPathPids, gatewayAboveLoad, infraPids, nsTarget } from '../common/join-path.js';
import { machineCpuTicks, processCpuSeconds, runLoadgen, type LoadgenPhase } from '../loadgen/loadgen.js';
import { startProcessStack, type StackService } from '../../test/e2e/src/gateway/process-stack.js';
import { redisDbUrl } from '../common/bench-redis.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** This checkout's root as a file URL (profiles name their scripts so), stripped from the names in the summary. */
const rootUrl = new URL('../../', import.meta.url).href;
const deviceCount = Number(process.env.BENCH_DEVICES ?? 5000);
const seconds = Number(process.env.BENCH_SECONDS ?? 12);
const rates = (process.env.BENCH_RATES ?? '200,500,1000,1500,2000').split(',').map(Number);
const saturationInFlight = Number(process.env.BENCH_IN_FLIGHT ?? 128);
const sockets = 128;
const profile = process.env.BENCH_PROFILE === '1';
/** Where the generator writes every answer of each phase (`sent_ms latency_ms failure`), when set. */
const timelineDir = process.env.BENCH_TIMELINE_DIR;
const writeResults =
  process.env.BENCH_RATES === undefined && process.env.BENCH_SECONDS === undefined && !profile;
const joinEui = '70B3D57ED000B000';
const netId = '00B0B0';
const redisDb = 12;
const analysisHeading = '## Analysis';

interface Phase {
  readonly name: string;
  readonly offered: number | undefined;
  readonly sent: number;
  readonly ok: number;
  readonly failures: Record<string, number>;
  readonly achieved: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** How late the generator's sends went out (its own event-loop stalls), p99 in ms. */
  readonly sendLagP99: number;
  /** CPU used during the phase per process, in cores (1.0 = one core busy all the time). */
  cpu?: Record<string, number>;
}

/** Cumulative CPU seconds of each process of interest, and of the whole machine, from /proc. */
function cpuSnapshot(pids: Record<string, number>): {
  at: number;
  perProcess: Record<string, number>;
  machine: number;
  /** CPU time the host took from this machine's vCPUs (steal), in seconds of all cores. */
  steal: number;
} {
  const ticks = 100;
  const perProcess: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    try {
      perProcess[name] = processCpuSeconds(pid);
    } catch {
      perProcess[name] = 0; // Gone, or not ours to read.
    }
  }
  const { busy, steal } = machineCpuTicks();
  return { at: performance.now(), perProcess, machine: busy / ticks, steal: steal / ticks };
}

function cpuBetween(
  a: ReturnType<typeof cpuSnapshot>,
  b: ReturnType<typeof cpuSnapshot>,
): Record<string, number> {
  const seconds = (b.at - a.at) / 1000;
  const out: Record<string, number> = {};
  let known = 0;
  for (const [name, t] of Object.entries(b.perProcess)) {
    out[name] = (t - (a.perProcess[name] ?? 0)) / seconds;
    known += out[name];
  }
  out['machine'] = (b.machine - a.machine) / seconds;
  out['other'] = Math.max(0, out['machine'] - known);
  out['steal'] = (b.steal - a.steal) / seconds;
  return out;
}

const ms = (n: number) => (Number.isNaN(n) ? '—' : n < 10 ? n.toFixed(2) : n.toFixed(1));

const log = (line: string) => console.log(`[joins bench] ${line}`);

async function main() {
  let infra: Infra | undefined;
  let redisUrl = process.env.REDIS_URL;
  let kafkaBrokers = process.env.KAFKA_BROKERS;
  if (redisUrl === undefined || kafkaBrokers === undefined) {
    infra = await startInfra({ softhsm: false, log });
    redisUrl = infra.env['REDIS_URL']!;
    kafkaBrokers = infra.env['KAFKA_BROKERS']!;
  }
  const redis = connectRedis(redisDbUrl(redisUrl, redisDb), {
    connectionName: 'joins-bench',
  });
  await redis.flushdb();
  await redis.quit();
  const profileDir = join(tmpdir(), `joinery-joins-bench-profiles-${process.pid}`);
  if (profile) mkdirSync(profileDir, { recursive: true });
  const nodeArgs = (name: StackService) =>
    profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
  // `JOINERY_GRPC_MULTIPLEX=false` in the bench's environment compares one HTTP/2 stream per call.
  const multiplex =
    process.env.JOINERY_GRPC_MULTIPLEX === undefined
      ? {}
      : { JOINERY_GRPC_MULTIPLEX: process.env.JOINERY_GRPC_MULTIPLEX };
  const stack = await startProcessStack({
    redisUrl,
    kafkaBrokers,
    redisDb,
    logLevel: 'warn',
    env: {
      'bi-gateway': { ...gatewayAboveLoad, JOINERY_BI_DEADLINE_MS: '2000', ...multiplex },
      claims: multiplex,
    },
    nodeArgs: { keys: nodeArgs('keys'), claims: nodeArgs('claims'), 'bi-gateway': nodeArgs('bi-gateway') },
  });
  const load = [loadavg()[0]!];
  const phases: Phase[] = [];
  try {
    log(`importing and claiming ${deviceCount} devices`);
    const t0 = performance.now();
    const devices: Device[] = Array.from({ length: deviceCount }, newDevice);
    const { tls } = await provisionNs(stack.claims, stack.admin, {
      joinEui,
      netId,
      devices,
      caCertPem: stack.caCertPem,
    });
    log(`provisioned in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const target = nsTarget(
      `https://127.0.0.1:${stack.biPort}/`,
      { clientCertPem: tls.cert, clientKeyPem: tls.key, caCertPem: tls.ca },
      sockets,
    );
    const devNonces = new Uint32Array(deviceCount);
    let cursor = 0;
    let transactionId = 0;
    const bodies = (count: number) => {
      const out: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const d = cursor++ % deviceCount;
        out.push(joinReqBody(devices[d]!, joinEui, netId, ++devNonces[d]!, ++transactionId));
      }
      return out;
    };
    const pids = distributedPathPids(stack, infraPids(redisUrl, kafkaBrokers));
    /**
     * One phase through the Go generator (bench/loadgen). The JoinReqs are built first, outside the CPU window, which
     * covers only the generator's run; the generator (a child process gone by the end) reports its own CPU.
     */
    const run = async (name: string, load: LoadgenPhase, count: number, http2 = false) => {
      const work = bodies(count);
      const before = cpuSnapshot(pids);
      const timeline =
        timelineDir === undefined ? {} : { timeline: join(timelineDir, `${name.replace(/\W+/g, '-')}.txt`) };
      const r = await runLoadgen(
        http2 ? { ...target, conns: 1, http2 } : target,
        { ...load, ...timeline },
        work,
      );
      const after = cpuSnapshot(pids);
      const cpu = cpuBetween(before, after);
      const generator = r.cpuMs / (after.at - before.at);
      cpu['generator'] = generator;
      cpu['other'] = Math.max(0, (cpu['other'] ?? 0) - generator);
      const phase: Phase = {
        name,
        offered: 'rate' in load ? load.rate : undefined,
        sent: r.sent,
        ok: r.ok,
        failures: r.failures,
        achieved: r.achieved,
        p50: r.p50,
        p99: r.p99,
        p999: r.p999,
        max: r.max,
        sendLagP99: 'rate' in load ? r.sendLagP99 : NaN,
        cpu,
      };
      return phase;
    };
    const openLoop = (name: string, rate: number, durationS: number) =>
      run(name, { rate, seconds: durationS }, Math.round(rate * durationS));
    // Enough JoinReqs for far above the targets.
    const closedLoop = (name: string, inFlight: number, durationS: number, http2 = false) =>
      run(name, { closed: inFlight, seconds: durationS }, 5000 * durationS, http2);

    // The JIT needs the hot paths at full rate: after only a slow warm-up the first phase at 1,000/s spent its first
    // ~2 s queueing (timelines of 2026-12-02); a phase right after another showed nothing of the kind.
    log('warm-up: 3 s at 300 joins/s, then 5 s at 1,000 joins/s');
    await openLoop('warm-up', 300, 3);
    await openLoop('warm-up at 1000/s', 1000, 5);
    for (const rate of rates) {
      const phase = await openLoop(`open loop ${rate}/s`, rate, seconds);
      phases.push(phase);
      log(format(phase));
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const saturation = await closedLoop(
      `closed loop, ${saturationInFlight} in flight`,
      saturationInFlight,
      seconds,
    );
    // The same saturation with the NS on HTTP/2 (as the Go NSs are), right after: compare within one run.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Go's HTTP/2 client multiplexes every stream on one connection while the server allows enough streams.
    const saturationH2 = await closedLoop(
      `closed loop, ${saturationInFlight} in flight, HTTP/2 (1 connection)`,
      saturationInFlight,
      seconds,
      true,
    );
    phases.push(saturation, saturationH2);
    log(format(saturation));
    log(format(saturationH2));
    load.push(loadavg()[0]!);
  } finally {
    await stack.stop();
    await infra?.stop();
  }
  if (profile) summarizeProfiles(profileDir);
  if (writeResults) {
    // The hand-written analysis at the end of RESULTS.md (profiles, other runs) survives a re-run.
    const path = join(here, 'RESULTS.md');
    const previous = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const analysis = previous.indexOf(analysisHeading);
    writeFileSync(path, results(phases, load) + (analysis === -1 ? '' : `\n${previous.slice(analysis)}`));
  }
}

function format(p: Phase): string {
  const failures = Object.entries(p.failures)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
  return (
    `${p.name}: ${p.achieved.toFixed(0)} joins/s ok (${p.ok}/${p.sent}), p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms, ` +
    `p99.9 ${ms(p.p999)} ms, max ${ms(p.max)} ms, send lag p99 ${ms(p.sendLagP99)} ms${failures ? `; failed: ${failures}` : ''}` +
    `\n  CPU (cores): ${Object.entries(p.cpu ?? {})
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')}`
  );
}

/** Samples that are not idle, a proxy for which thread did the work. */
function busyShare(file: string): number {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const idle = new Set(prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return prof.samples.filter((id) => !idle.has(id)).length;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function (top 15) and per package of each service's CPU profile. */
function summarizeProfiles(dir: string) {
  // One profile per thread; tsx's loader thread is mostly idle, the main thread is the one with the most samples.
  const profiles = readdirSync(dir).flatMap((service) =>
    readdirSync(join(dir, service)).map((f) => ({ service, file: join(dir, service, f) })),
  );
  const mainThreads = new Map<string, { file: string; busy: number }>();
  for (const { service, file } of profiles) {
    const busy = busyShare(file);
    if ((mainThreads.get(service)?.busy ?? -1) < busy) mainThreads.set(service, { file, busy });
  }
  for (const [service, { file: path }] of mainThreads) {
    const file = service;
    const prof = JSON.parse(readFileSync(path, 'utf8')) as {
      nodes: ProfileNode[];
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const byFunction = new Map<string, number>();
    const byArea = new Map<string, number>();
    for (const [id, t] of self) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const short = url.replace(/^.*\/node_modules\//, '').replace(rootUrl, '');
      const fn = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
      const area =
        url === ''
          ? functionName.startsWith('(')
            ? functionName
            : 'native'
          : url.startsWith('node:')
            ? url
            : url.includes('/node_modules/')
              ? url
                  .split('/node_modules/')
                  .pop()!
                  .split('/')
                  .slice(0, url.includes('/node_modules/@') ? 2 : 1)
                  .join('/')
              : url.replace(rootUrl, '').split('/').slice(0, 2).join('/');
      byArea.set(area, (byArea.get(area) ?? 0) + t);
    }
    const top = (m: Map<string, number>, n: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
        .join('\n');
    console.log(
      `\n${file}: ${(total / 1e6).toFixed(1)} s sampled\n by area:\n${top(byArea, 12)}\n by function:\n${top(byFunction, 15)}`,
    );
  }
}

function results(phases: Phase[], load: number[]): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cpuNames = [
    'generator',
    'bi-gateway',
    'claims',
    'keys',
    'redis',
    'kafka',
    'other',
    'machine',
    'steal',
  ];
  const cpuRows = phases.map((p) => {
    const perJoin = (cores: number) => (p.achieved > 0 ? (cores * 1000) / p.achieved : NaN);
    const cells = cpuNames.map((n) => {
      const cores = p.cpu?.[n];
      return cores === undefined ? '—' : `${cores.toFixed(2)} (${perJoin(cores).toFixed(2)})`;
    });
    return `| ${p.name} | ${cells.join(' | ')} |`;
  });
  const rows = phases.map(
    (p) =>
      `| ${p.name} | ${p.offered ?? '—'} | ${p.achieved.toFixed(0)} | ${ms(p.p50)} | ${ms(p.p99)} | ${ms(p.p999)} | ${ms(p.max)} | ${p.sent - p.ok} | ${ms(p.sendLagP99)} |`,
  );
  return `# Join path load benchmark (gateway + claims + keys, distributed mode)

Run ${new Date().toISOString()} with \`node --import tsx bench/joins/joins.bench.ts\`.

**Machine:** ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}.
Everything on the same ${cpus().length} cores: the load generator (bench/loadgen), bi-gateway, claims and keys (each
its own Node process, \`services/<svc>/src/main.ts\` via tsx), Redis (no AOF) and a single-node Kafka (KRaft, JVM).
1-minute load average ${load[0]?.toFixed(1)} at the start and ${load[1]?.toFixed(1)} at the end (shared machine).

**Method:** ${deviceCount.toLocaleString('en-US')} LoRaWAN 1.0.4 devices imported with claim codes through claims,
claimed by one owner for one NS (BI 1.0, session-key-id AppSKey delivery, NwkSKey wrapped under the NS KEK). The NS
is \`bench/loadgen\` (Go net/http) with keep-alive and up to ${sockets} HTTP/1.1 mTLS connections (client certificate from
Joinery's CA; the HTTP/2 row: one multiplexed connection), a process of its own on the same cores.
JoinReqs are ChirpStack-v4-shaped with valid MICs and increasing DevNonces, built before each phase; devices are
used round-robin. Each join: gateway parses and authenticates → claims \`Authorize\` (gRPC) → keys \`HandleJoin\`
(gRPC: DevNonce/JoinNonce reservation in Redis, software-vault crypto, KEK wraps, session + JoinEvent in the Redis
outbox in one script) → JoinAns; the keys relay publishes the events to Kafka meanwhile. The gateway's gRPC calls
are multiplexed on one stream per service (ADR 0006; \`JOINERY_GRPC_MULTIPLEX=false\` in the bench's environment
measures one HTTP/2 stream per call). Log level \`warn\`.
Open loop: a fixed offered rate for ${seconds} s after a warm-up (3 s at 300/s, then 5 s at 1,000/s; the HTTP connections are opened before each phase); latency from the *scheduled* send time
to the complete answer, so generator stalls count against us (no coordinated omission); "send lag" is how late the
generator itself sent. Saturation: closed loop, ${saturationInFlight} requests in flight, ${seconds} s.
"failed" = anything not \`Success\`.

| phase | offered joins/s | achieved joins/s | p50 ms | p99 ms | p99.9 ms | max ms | failed | send lag p99 ms |
| ----- | --------------: | ---------------: | -----: | -----: | -------: | -----: | -----: | --------------: |
${rows.join('\n')}

Targets (issue #6): ≥ 1,500 joins/s sustained with the software vault; p99 ≤ 20 ms at 1,000 joins/s.

**Where the CPU goes** (from \`/proc/<pid>/stat\` over each phase): cores busy per process, and in brackets CPU
milliseconds per accepted join. "other" is the rest of the machine's busy time (this bench's own process, other
jobs); "steal" is time the host took from this machine's vCPUs, not counted as busy. The window is the generator's
run only (the JoinReqs are built before it).

| phase | ${cpuNames.join(' | ')} |
| ----- | ${cpuNames.map(() => '---:').join(' | ')} |
${cpuRows.join('\n')}
`;
}

await main();
