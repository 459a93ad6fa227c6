// The speed ratios of issue 23, each measured beside its floor in one run on whatever machine runs it:
//
// - CPU per join (every server process of the path, from /proc) ÷ the crypto-only cost of the same join
//   (bench/lorawan/join-crypto.ts), for embedded mode and for the distributed path;
// - keys service calls/s ÷ the floor server's (libs/grpc answering at once), same generator, same run;
// - keys p99 at half the keys service's saturation ÷ the floor's p99 at the same rate;
// - overload (bench/bi/overload.bench.ts): refusals' p99 at 3× saturation, and accepted joins' p99 against their p99
//   at half saturation;
// - ChirpStack v3's Join Server (bench/peer) on the same Redis, the same devices and the same generator: joins/s per
//   core (its CPU and Redis's) against Joinery's distributed path and embedded mode.
//
// Every JoinReq answer of Joinery and of the peer is checked by the generator: `Success`, and the join-accept
// decrypted and its MIC verified with the device's root key (bench/loadgen -verify).
//
// measureRatios() returns the ratio object; bench/ratios/ratios.bench.ts runs it and writes RESULTS.md.
import { create, toBinary } from '@bufbuild/protobuf';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { JoineryError } from '@joinery/errors';
import type { Client } from '@joinery/grpc';
import { HandleJoinRequestSchema, KekPurpose, type KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { connectRedis } from '@joinery/store';
import { freePort } from '@joinery/testing/infra';
import { handleJoinRequest } from '../../services/keys/src/testing/keys-grpc-fixtures.js';
import { keysEntryPoints, startKeysProcess } from '../../services/keys/src/testing/keys-process.js';
import { startProcessStack, type ProcessStackOptions } from '../../test/e2e/src/gateway/process-stack.js';
import { joinReqBody, newDevice, provisionNs, type Device } from '../../test/e2e/src/gateway/ns-client.js';
import { claimedFleet } from '../../test/e2e/src/contract/contract-helpers.js';
import { startBenchServer, tsxScript } from '../common/bench-server.js';
import { startEmbeddedJoinery } from '../common/embedded-joinery.js';
import { distributedPathPids, gatewayAboveLoad, infraPids, nsTarget } from '../common/join-path.js';
import { measureJoinCrypto } from '../lorawan/join-crypto.js';
import {
  machineCpuTicks,
  processCpuSeconds,
  runLoadgen,
  runMeasuredLoadgen,
  type LoadgenPhase,
  type LoadgenTarget,
} from '../loadgen/loadgen.js';
import { redisDbUrl } from '../common/bench-redis.js';

const joinEui = '70B3D57ED0023023';
const netId = '000013';

export interface RatioOptions {
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  /** Devices, the same for Joinery (both modes) and the peer. */
  readonly devices: number;
  /** Length of each measured phase. */
  readonly seconds: number;
  /** Requests in flight in the saturation phases (closed loop), for every server alike. */
  readonly inFlight: number;
  /** Length of the overload bench's phases. */
  readonly overloadSeconds: number;
  readonly log?: (line: string) => void;
  /** Node options for the keys, claims and gateway processes of the distributed path (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /**
   * Joins per device sent before Joinery's phases (both modes; `BENCH_PREFILL_JOINS`), so that the measured joins
   * find what a long-running installation holds (e.g. 50: every device's join activity full). 0 unless set.
   */
  readonly prefillJoinsPerDevice?: number;
  /** Extra environment per service of the distributed path (e.g. Kafka batching settings), over the bench's own. */
  readonly serviceEnv?: ProcessStackOptions['env'];
}

/** The load on the machine while a figure was measured. */
export interface Load {
  /** 1-minute load average at the start of the phase. */
  readonly loadavg1: number;
  /** Cores busy over the phase (all processes, this bench's included), and cores the host stole. */
  readonly busyCores: number;
  readonly stealCores: number;
}

export interface Verdict {
  readonly ratio: number;
  readonly target: number;
  /** `≤` or `≥`: how the ratio must compare with the target. */
  readonly must: '≤' | '≥';
  readonly met: boolean;
}

export interface Ratios {
  readonly at: string;
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string };
  readonly options: { devices: number; seconds: number; inFlight: number; overloadSeconds: number };
  readonly crypto: { readonly medianUs: number; readonly bestUs: number; readonly load: Load };
  readonly embedded: {
    readonly joinsPerS: number;
    /** CPU ms per accepted join of the one Joinery process. */
    readonly cpuMsPerJoin: number;
    readonly generatorMsPerJoin: number;
    readonly errors: number;
    readonly cpuPerJoinVsCrypto: Verdict;
    readonly load: Load;
  };
  readonly distributed: {
    readonly joinsPerS: number;
    /** CPU ms per accepted join: gateway + claims + keys + Redis + Kafka. */
    readonly cpuMsPerJoin: number;
    readonly perProcessMsPerJoin: Record<string, number>;
    readonly generatorMsPerJoin: number;
    readonly errors: number;
    readonly cpuPerJoinVsCrypto: Verdict;
    readonly load: Load;
  };
  readonly keys: {
    readonly callsPerS: number;
    readonly floorCallsPerS: number;
    readonly keysCpuMsPerCall: number;
    readonly errors: number;
    readonly throughputVsFloor: Verdict;
    readonly load: Load;
    readonly floorLoad: Load;
  };
  readonly latency: {
    /** Half the keys service's saturation, offered to both. */
    readonly rate: number;
    readonly keysP99Ms: number;
    readonly floorP99Ms: number;
    readonly errors: number;
    readonly p99VsFloor: Verdict;
    readonly load: Load;
    readonly floorLoad: Load;
  };
  readonly overload: {
    readonly saturation: number;
    readonly offered: number;
    readonly accepted: number;
    readonly refused: number;
    readonly noAnswer: number;
    readonly refusedP99Ms: number;
    readonly acceptedP99Ms: number;
    readonly halfSaturationAcceptedP99Ms: number;
    /** Answers other than `Success` (and no answers) at half saturation: what admission refused that it need not. */
    readonly halfSaturationRefused: number;
    readonly refusedP99: Verdict;
    /** Accepted p99 at 3× saturation ÷ accepted p99 at half saturation (kept: ≤ 2). */
    readonly acceptedP99Kept: Verdict;
    readonly load: Load;
  };
  readonly peer: {
    readonly joinsPerS: number;
    /** CPU ms per accepted join: the peer process + Redis. */
    readonly cpuMsPerJoin: number;
    readonly perProcessMsPerJoin: Record<string, number>;
    readonly generatorMsPerJoin: number;
    readonly errors: number;
    readonly joinsPerCore: number;
    readonly distributedJoinsPerCore: number;
    readonly embeddedJoinsPerCore: number;
    readonly distributedVsPeer: Verdict;
    readonly embeddedVsPeer: Verdict;
    /** The peer offered (open loop) the joins/s the distributed path reached at saturation: no batching advantage. */
    readonly atDistributedRate: {
      readonly rate: number;
      readonly cpuMsPerJoin: number;
      readonly joinsPerCore: number;
      readonly errors: number;
      /** Distributed joins/s per core ÷ the peer's at this rate (informational; the target is on saturation). */
      readonly distributedVsPeer: number;
      readonly load: Load;
    };
    readonly load: Load;
  };
  /**
   * The peer's design in Node (bench/peer/node-peer.ts: Joinery's codec and crypto on Node's HTTPS server, the peer's
   * 2 Redis commands, none of a Join Server's checks): the floor of any Node join path, beside the Go peer.
   */
  readonly nodePeer: {
    readonly joinsPerS: number;
    readonly cpuMsPerJoin: number;
    readonly perProcessMsPerJoin: Record<string, number>;
    readonly errors: number;
    readonly joinsPerCore: number;
    /** Its joins/s per core ÷ the Go peer's. */
    readonly vsPeer: number;
    readonly load: Load;
  };
}

const verdict = (ratio: number, must: '≤' | '≥', target: number): Verdict => ({
  ratio,
  target,
  must,
  met: Number.isFinite(ratio) && (must === '≤' ? ratio <= target : ratio >= target),
});

/** Runs `fn` and returns its result with the machine's load over it. */
async function withLoad<T>(fn: () => Promise<T>): Promise<[T, Load]> {
  const loadavg1 = loadavg()[0] ?? 0;
  const a = machineCpuTicks();
  const result = await fn();
  const b = machineCpuTicks();
  const share = (x: number) => (x / Math.max(1, b.total - a.total)) * cpus().length;
  return [result, { loadavg1, busyCores: share(b.busy - a.busy), stealCores: share(b.steal - a.steal) }];
}

/** The Redis server of `infra`, the peer's only infrastructure. */
const redisOnly = (infra: Record<string, number>) =>
  infra['redis'] === undefined ? {} : { redis: infra['redis'] };

export interface PathPhase {
  readonly joinsPerS: number;
  /** Joins answered `Success`. */
  readonly joins: number;
  readonly errors: number;
  readonly failures: Record<string, number>;
  readonly perProcessMsPerJoin: Record<string, number>;
  readonly cpuMsPerJoin: number;
  readonly generatorMsPerJoin: number;
  readonly load: Load;
}

/** One closed-loop phase of JoinReqs with CPU per join summed over `pids` (from /proc). */
export async function pathPhase(
  target: LoadgenTarget,
  load: LoadgenPhase,
  work: { bodies: string[]; keys: Uint8Array[] },
  pids: Record<string, number>,
): Promise<PathPhase> {
  const cpu = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, processCpuSeconds(pid)]));
  const [[r, before, after], phaseLoad] = await withLoad(async () => {
    const before = cpu();
    const r = await runLoadgen(target, load, work.bodies, work.keys);
    return [r, before, cpu()] as const;
  });
  const ok = Math.max(1, r.ok);
  const perProcessMsPerJoin = Object.fromEntries(
    Object.keys(pids).map((k) => [k, ((after[k]! - before[k]!) * 1000) / ok]),
  );
  return {
    joinsPerS: r.achieved,
    joins: r.ok,
    errors: r.sent - r.ok,
    failures: r.failures,
    perProcessMsPerJoin,
    cpuMsPerJoin: Object.values(perProcessMsPerJoin).reduce((a, b) => a + b, 0),
    generatorMsPerJoin: r.cpuMs / ok,
    load: phaseLoad,
  };
}

/**
 * A path's saturation: a warm-up (2 s at 300/s, then 2 s closed), then a closed loop of `o.inFlight` over
 * `o.seconds`, with JoinReqs for up to `perSecond` answers a second.
 */
async function saturation(
  target: LoadgenTarget,
  pids: Record<string, number>,
  next: (count: number) => { bodies: string[]; keys: Uint8Array[] },
  o: RatioOptions,
  perSecond: number,
): Promise<PathPhase> {
  await pathPhase(target, { rate: 300, seconds: 2 }, next(600), pids);
  await pathPhase(target, { closed: o.inFlight, seconds: 2 }, next(2 * perSecond), pids);
  return pathPhase(target, { closed: o.inFlight, seconds: o.seconds }, next(perSecond * o.seconds), pids);
}

/** `o.prefillJoinsPerDevice` joins of every device (round-robin, closed loop), not measured. */
async function prefill(
  target: LoadgenTarget,
  next: (count: number) => { bodies: string[]; keys: Uint8Array[] },
  o: RatioOptions,
  devices: number,
  log: (line: string) => void,
): Promise<void> {
  const perDevice = o.prefillJoinsPerDevice ?? 0;
  if (perDevice <= 0) return;
  const t0 = performance.now();
  // Closed-loop phases of 5 s (the generator needs more requests than it sends) until every device joined enough.
  let joined = 0;
  let errors = 0;
  while (joined < perDevice * devices) {
    const work = next(5 * 4000);
    const r = await runLoadgen(target, { closed: o.inFlight, seconds: 5 }, work.bodies, work.keys);
    joined += r.ok;
    errors += r.sent - r.ok;
  }
  log(`prefill: ${joined} joins in ${((performance.now() - t0) / 1000).toFixed(0)} s, ${errors} errors`);
}

/** JoinReqs over `devices` round-robin with increasing DevNonces, and each one's root key for the checks. */
export function joinReqs(devices: readonly Device[]) {
  const devNonces = new Uint32Array(devices.length);
  let cursor = 0;
  let transactionId = 0;
  return (count: number) => {
    const bodies: string[] = [];
    const keys: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const d = cursor++ % devices.length;
      const device = devices[d]!;
      bodies.push(joinReqBody(device, joinEui, netId, ++devNonces[d]!, ++transactionId));
      keys.push(device.nwkKey);
    }
    return { bodies, keys };
  };
}

let peerBinary: string | undefined;
/** Builds bench/peer (Go) into ~/.cache/joinery/peer (as test/e2e/interop does its clients); once per process. */
export function peerBinaryPath(): string {
  if (peerBinary !== undefined) return peerBinary;
  const out = join(
    process.env['JOINERY_CACHE_DIR'] ??
      join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'joinery'),
    'peer',
    'chirpstack-v3-joinserver',
  );
  mkdirSync(join(out, '..'), { recursive: true });
  execFileSync('go', ['build', '-mod=readonly', '-o', out, '.'], {
    cwd: fileURLToPath(new URL('../peer/', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  peerBinary = out;
  return out;
}

/** Starts bench/peer on `redisUrl`; resolves with its port, pid and the client credentials it wrote. */
export async function startPeer(
  redisUrl: string,
  dir: string,
  nsKekHex: string,
  asKekHex: string,
  implementation: 'go' | 'node' = 'go',
) {
  const [command, prefix] =
    implementation === 'go'
      ? [peerBinaryPath(), []]
      : tsxScript(new URL('../peer/node-peer.ts', import.meta.url));
  const peer = await startBenchServer({
    name: 'the peer',
    command: [
      command,
      [
        ...prefix,
        '-listen',
        '127.0.0.1:0',
        '-redis',
        redisUrl,
        '-certs',
        dir,
        '-ns-kek',
        `${netId}=${nsKekHex}`,
        '-as-kek',
        `as1=${asKekHex}`,
      ],
    ],
    ready: (line) => {
      const m = /^listening on (\d+)$/.exec(line);
      return m ? Number(m[1]) : undefined;
    },
  });
  return {
    port: peer.ready,
    pid: peer.pid,
    tls: {
      certPem: readFileSync(join(dir, 'client.pem'), 'utf8'),
      keyPem: readFileSync(join(dir, 'client-key.pem'), 'utf8'),
      caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    },
    stop: peer.stop,
  };
}

/** The NS and AS KEKs and `count` LoRaWAN 1.0.4 devices under one root key, imported into a keys service. */
export async function importKeysBenchDevices(
  client: Pick<Client<typeof KeysService>, 'createKek' | 'importRootKeysBatch'>,
  count: number,
): Promise<{ rootKey: Uint8Array; devEuis: Uint8Array[] }> {
  const rootKey = new Uint8Array(randomBytes(16));
  for (const label of [`ns:${netId}`, 'as:as1'])
    await client.createKek({ label, purpose: KekPurpose.PEER }).catch((err: unknown) => {
      if (!JoineryError.is(err, 'keys:kek_exists')) throw err;
    });
  const devEuis = Array.from({ length: count }, () => new Uint8Array(randomBytes(8)));
  for (let i = 0; i < devEuis.length; i += 250)
    await client.importRootKeysBatch(
      {
        devices: devEuis.slice(i, i + 250).map((devEui) => ({
          devEui,
          macVersion: '1.0.4',
          keys: { case: 'plain', value: { nwkKey: rootKey } },
        })),
      },
      { timeoutMs: 60_000 },
    );
  return { rootKey, devEuis };
}

/** HandleJoin requests over `devEuis` round-robin, each device's DevNonce taken from (and counted up in) `nonces`. */
export function handleJoinBodies(rootKey: Uint8Array, devEuis: readonly Uint8Array[]) {
  let cursor = 0;
  return (count: number, nonces: Uint32Array): Uint8Array[] =>
    Array.from({ length: count }, () => {
      const d = cursor++ % devEuis.length;
      return toBinary(
        HandleJoinRequestSchema,
        create(HandleJoinRequestSchema, handleJoinRequest(rootKey, devEuis[d]!, nonces[d]!++, '1.0.4')),
      );
    });
}

/** The Go generator's target for HandleJoin on one multiplexed stream. */
export const keysGrpcTarget = (port: number): LoadgenTarget => ({
  mode: 'grpc',
  target: `127.0.0.1:${port}`,
  method: '/joinery.keys.v1.KeysService/HandleJoin',
  mux: true,
});

/** bench/keys/floor-server.ts on `port` (`env`: its knobs, e.g. FLOOR_WORK), once it listens. */
export const startFloorServer = (port: number, env: Record<string, string> = {}) =>
  startBenchServer({
    name: `the floor server${env['FLOOR_WORK'] === undefined ? '' : ` (${env['FLOOR_WORK']})`}`,
    command: tsxScript(new URL('../keys/floor-server.ts', import.meta.url)),
    env: { PORT: String(port), ...env },
    ready: (line) => (line.includes('listening') ? true : undefined),
  });

/** The keys service (software vault, Redis state) against the floor server: saturation, then p99 at half of it. */
export async function keysAgainstFloor(o: RatioOptions, log: (line: string) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-ratios-keys-'));
  const redisUrl = redisDbUrl(o.redisUrl, 14);
  const flush = connectRedis(redisUrl, { connectionName: 'ratios-bench' });
  await flush.flushdb();
  await flush.quit();
  const port = await freePort();
  const keys = await startKeysProcess(
    { JOINERY_DATA_DIR: dataDir, JOINERY_LOG_LEVEL: 'warn', JOINERY_REDIS_URL: redisUrl },
    join(dataDir, 'keys.log'),
    port,
    keysEntryPoints.main,
    o.nodeArgs,
  );
  const floorPort = await freePort();
  const floor = await startFloorServer(floorPort);
  try {
    const { rootKey, devEuis } = await importKeysBenchDevices(keys.client, Math.min(o.devices, 1000));
    const nonces = new Uint32Array(devEuis.length);
    const bodies = handleJoinBodies(rootKey, devEuis);
    const requests = (count: number) => bodies(count, nonces);
    const target = keysGrpcTarget;
    const closed = { closed: 64, seconds: o.seconds };
    const budget = 8000 * o.seconds;
    // Warm-ups, then the two saturations back to back.
    await runMeasuredLoadgen(target(port), { closed: 64, seconds: 2 }, requests(16_000), keys.child.pid!);
    // The floor answers 20–40 k calls/s on a quiet machine: enough requests that it cannot run out.
    await runMeasuredLoadgen(target(floorPort), { closed: 64, seconds: 2 }, requests(100_000), floor.pid!);
    const [keysMax, load] = await withLoad(() =>
      runMeasuredLoadgen(target(port), closed, requests(budget), keys.child.pid!),
    );
    log(
      `keys saturation: ${keysMax.achieved.toFixed(0)} calls/s, ${keysMax.serverMs.toFixed(3)} ms CPU/call`,
    );
    const [floorMax, floorLoad] = await withLoad(() =>
      runMeasuredLoadgen(target(floorPort), closed, requests(8 * budget), floor.pid!),
    );
    log(`floor saturation: ${floorMax.achieved.toFixed(0)} calls/s`);
    const rate = Math.max(1, Math.round(keysMax.achieved / 2));
    const open = { rate, seconds: o.seconds };
    const [keysHalf, halfLoad] = await withLoad(() =>
      runMeasuredLoadgen(target(port), open, requests(rate * o.seconds), keys.child.pid!),
    );
    const [floorHalf, floorHalfLoad] = await withLoad(() =>
      runMeasuredLoadgen(target(floorPort), open, requests(rate * o.seconds), floor.pid!),
    );
    log(`p99 at ${rate}/s: keys ${keysHalf.p99.toFixed(2)} ms, floor ${floorHalf.p99.toFixed(2)} ms`);
    return {
      keys: {
        callsPerS: keysMax.achieved,
        floorCallsPerS: floorMax.achieved,
        keysCpuMsPerCall: keysMax.serverMs,
        errors: keysMax.errors + floorMax.errors,
        throughputVsFloor: verdict(keysMax.achieved / floorMax.achieved, '≥', 0.6),
        load,
        floorLoad,
      },
      latency: {
        rate,
        keysP99Ms: keysHalf.p99,
        floorP99Ms: floorHalf.p99,
        errors: keysHalf.errors + floorHalf.errors,
        p99VsFloor: verdict(keysHalf.p99 / floorHalf.p99, '≤', 2),
        load: halfLoad,
        floorLoad: floorHalfLoad,
      },
    };
  } finally {
    await floor.stop();
    await keys.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What one open-loop phase's timeline says: accepted and refused answers with their latencies, and no answers. */
function readTimeline(file: string) {
  const accepted: number[] = [];
  const refused: number[] = [];
  let noAnswer = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const [, latency, ...rest] = line.split(' ');
    const failure = rest.join(' ');
    if (failure === '') accepted.push(Number(latency));
    else if (failure === 'transport error' || failure === 'DeadlineExceeded') noAnswer += 1;
    else refused.push(Number(latency));
  }
  return { accepted, refused, noAnswer };
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/**
 * Overload: the gateway of bench/bi/overload.bench.ts (`overload-server.ts`: the real HTTP edge, BiHandler and
 * admission as shipped, claims and keys doubles that cost CPU on its event loop) driven by the Go generator (plain
 * HTTP, bearer token, up to 512 connections, the caller's deadline 5 s as ChirpStack's): its saturation (closed loop,
 * shedding off), then, admission as shipped, half of it (the reference p99 of accepted joins), then 3× it.
 */
export async function overload(o: Pick<RatioOptions, 'overloadSeconds'>): Promise<Ratios['overload']> {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-ratios-overload-'));
  let counter = 0;
  // Every request a new JoinReq (its own DevAddr), so that the duplicate cache answers none of them.
  const bodies = (count: number) =>
    Array.from({ length: count }, () =>
      JSON.stringify({
        ...requests.ttsBi10JoinReq,
        DevAddr: (++counter >>> 0).toString(16).padStart(8, '0'),
      }),
    );
  const seconds = o.overloadSeconds;
  try {
    // Saturation is what the gateway serves without shedding (a closed loop retries each refusal at once, so with
    // shedding on it would measure how fast refusals spin, not the gateway's capacity); the open loops run against
    // the gateway as shipped.
    const [sat, load] = await withLoad(async () => {
      const rate = await withOverloadGateway('off', async (target) => {
        await runLoadgen(target, { closed: 64, seconds: 1, timeoutMs: 5000 }, bodies(20_000));
        const saturation = await runLoadgen(
          target,
          { closed: 64, seconds, timeoutMs: 5000 },
          bodies(10_000 * seconds),
        );
        return Math.max(1, Math.round(saturation.achieved));
      });
      return withOverloadGateway('on', async (target) => {
        const half = join(dir, 'half.txt');
        const over = join(dir, 'over.txt');
        const halfRate = Math.max(1, Math.round(rate / 2));
        // Warm-up (JIT, connections) in an open loop: a closed one would only measure refusals spinning.
        await runLoadgen(target, { rate: halfRate, seconds: 1, timeoutMs: 5000 }, bodies(halfRate));
        const halfFirst = counter + 1;
        await runLoadgen(
          target,
          { rate: halfRate, seconds, timeoutMs: 5000, timeline: half },
          bodies(halfRate * seconds),
        );
        const overFirst = counter + 1;
        await runLoadgen(
          target,
          { rate: 3 * rate, seconds, timeoutMs: 5000, timeline: over },
          bodies(3 * rate * seconds),
        );
        // BENCH_OVERLOAD_TIMELINES=dir keeps the client's timelines (and what the n-th request's DevAddr was), to set
        // beside the gateway's own timings (overload-server.ts, OVERLOAD_TIMING_FILE).
        const keep = process.env['BENCH_OVERLOAD_TIMELINES'];
        if (keep !== undefined) {
          mkdirSync(keep, { recursive: true });
          cpSync(dir, keep, { recursive: true });
          const phases = {
            half: { rate: halfRate, first: halfFirst },
            over: { rate: 3 * rate, first: overFirst },
          };
          writeFileSync(join(keep, 'phases.json'), JSON.stringify(phases));
        }
        return { rate, half: readTimeline(half), over: readTimeline(over) };
      });
    });
    const refusedP99Ms = percentile(sat.over.refused, 99);
    const acceptedP99Ms = percentile(sat.over.accepted, 99);
    const halfSaturationAcceptedP99Ms = percentile(sat.half.accepted, 99);
    return {
      saturation: sat.rate,
      offered: 3 * sat.rate,
      accepted: sat.over.accepted.length,
      refused: sat.over.refused.length,
      noAnswer: sat.over.noAnswer,
      refusedP99Ms,
      acceptedP99Ms,
      halfSaturationAcceptedP99Ms,
      halfSaturationRefused: sat.half.refused.length + sat.half.noAnswer,
      refusedP99: verdict(refusedP99Ms, '≤', 50),
      acceptedP99Kept: verdict(acceptedP99Ms / halfSaturationAcceptedP99Ms, '≤', 2),
      load,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` against a fresh `overload-server.ts` (shedding `on`: admission as shipped, `off`: maxInFlight only). */
async function withOverloadGateway<T>(
  shedding: 'on' | 'off',
  fn: (target: LoadgenTarget) => Promise<T>,
): Promise<T> {
  const [node, args] = tsxScript(new URL('../bi/overload-server.ts', import.meta.url));
  const gateway = await startBenchServer({
    name: 'the overload gateway',
    // OVERLOAD_NODE_ARGS (`--cpu-prof --cpu-prof-dir=…`): the gateway's Node flags, for profiling it.
    command: [node, [...(process.env['OVERLOAD_NODE_ARGS']?.split(' ') ?? []), ...args]],
    env: {
      // The gateway's knobs (overload-server.ts) pass through, for experiments on admission.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OVERLOAD_'))),
      OVERLOAD_SHEDDING: shedding,
    } as Record<string, string>,
    stderr: 'ignore',
    ready: (line) => (JSON.parse(line) as { port: number }).port,
  });
  try {
    return await fn({ mode: 'http', url: `http://127.0.0.1:${gateway.ready}/`, bearer: 'bench', conns: 512 });
  } finally {
    await gateway.stop();
  }
}

/**
 * The distributed path (gateway, claims, keys as processes on Redis and Kafka, Redis db 12 emptied first), its NS
 * provisioned for `devices` and the devices prefilled (`o.prefillJoinsPerDevice`); `measure` runs on it, then it stops.
 */
export async function withDistributedStack<T>(
  o: RatioOptions,
  devices: readonly Device[],
  next: (count: number) => { bodies: string[]; keys: Uint8Array[] },
  log: (line: string) => void,
  measure: (target: LoadgenTarget, pids: Record<string, number>) => Promise<T>,
): Promise<T> {
  const redisDb = 12;
  const flush = connectRedis(redisDbUrl(o.redisUrl, redisDb), { connectionName: 'ratios' });
  await flush.flushdb();
  await flush.quit();
  const nodeArgs = o.nodeArgs ?? [];
  const stack = await startProcessStack({
    redisUrl: o.redisUrl,
    kafkaBrokers: o.kafkaBrokers,
    redisDb,
    logLevel: 'warn',
    env: {
      ...o.serviceEnv,
      'bi-gateway': { ...o.serviceEnv?.['bi-gateway'], ...gatewayAboveLoad },
    },
    nodeArgs: { keys: nodeArgs, claims: nodeArgs, 'bi-gateway': nodeArgs },
  });
  try {
    const { tls } = await provisionNs(stack.claims, stack.admin, {
      joinEui,
      netId,
      devices,
      caCertPem: stack.caCertPem,
    });
    const target = nsTarget(
      `https://127.0.0.1:${stack.biPort}/`,
      { clientCertPem: tls.cert, clientKeyPem: tls.key, caCertPem: tls.ca },
      o.inFlight,
    );
    await prefill(target, next, o, devices.length, log);
    return await measure(target, distributedPathPids(stack, infraPids(o.redisUrl, o.kafkaBrokers)));
  } finally {
    await stack.stop();
  }
}

/** The distributed path alone: its saturation phase. */
async function distributedPath(
  o: RatioOptions,
  devices: readonly Device[],
  next: (count: number) => { bodies: string[]; keys: Uint8Array[] },
  log: (line: string) => void,
): Promise<PathPhase> {
  return withDistributedStack(o, devices, next, log, async (target, pids) => {
    const distributed = await saturation(target, pids, next, o, 4000);
    log(
      `distributed: ${distributed.joinsPerS.toFixed(0)} joins/s, ${distributed.cpuMsPerJoin.toFixed(3)} ms CPU/join ${JSON.stringify(distributed.failures)} per process ${JSON.stringify(distributed.perProcessMsPerJoin)} (load ${JSON.stringify(distributed.load)})`,
    );
    return distributed;
  });
}

/** The distributed path (gateway, claims, keys as processes on Redis and Kafka), then the peer on the same Redis. */
async function distributedAndPeer(
  o: RatioOptions,
  devices: readonly Device[],
  cryptoUs: number,
  log: (line: string) => void,
) {
  const next = joinReqs(devices);
  const distributed = await distributedPath(o, devices, next, log);
  const infra = infraPids(o.redisUrl, o.kafkaBrokers);

  // The peer: its device keys in Redis (db 13), the same devices and JoinReqs, the same checks on every answer.
  const peerRedisUrl = redisDbUrl(o.redisUrl, 13);
  const redis = connectRedis(peerRedisUrl, { connectionName: 'ratios-peer' });
  const nsKek = randomBytes(16).toString('hex');
  const asKek = randomBytes(16).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'joinery-ratios-peer-'));
  try {
    await redis.flushdb();
    const pipeline = redis.pipeline();
    for (const d of devices)
      pipeline.hset(`peer:device-keys:${d.devEui.toLowerCase()}`, {
        nwk_key: Buffer.from(d.nwkKey).toString('hex'),
        app_key: Buffer.from(d.appKey ?? d.nwkKey).toString('hex'),
        join_nonce: '0',
      });
    await pipeline.exec();
    const peer = await startPeer(peerRedisUrl, dir, nsKek, asKek);
    try {
      const target: LoadgenTarget = {
        mode: 'http',
        url: `https://127.0.0.1:${peer.port}/`,
        ...peer.tls,
        conns: o.inFlight,
      };
      const pids: Record<string, number> = { peer: peer.pid, ...redisOnly(infra) };
      // Go answers faster than Joinery: more JoinReqs per second of closed loop.
      const p = await saturation(target, pids, next, o, 15_000);
      log(
        `peer: ${p.joinsPerS.toFixed(0)} joins/s, ${p.cpuMsPerJoin.toFixed(3)} ms CPU/join ${JSON.stringify(p.failures)}`,
      );
      // The same peer at the rate the distributed path reached: CPU per join without the batching of saturation.
      const rate = Math.max(1, Math.round(distributed.joinsPerS));
      const same = await pathPhase(target, { rate, seconds: o.seconds }, next(rate * o.seconds), pids);
      log(`peer at ${rate}/s: ${same.cpuMsPerJoin.toFixed(3)} ms CPU/join ${JSON.stringify(same.failures)}`);
      await peer.stop();
      // The peer's design in Node, on the same Redis keys (its JoinNonces go on from the Go peer's).
      const nodePeerDir = mkdtempSync(join(tmpdir(), 'joinery-ratios-node-peer-'));
      let np: PathPhase;
      const nodePeer = await startPeer(peerRedisUrl, nodePeerDir, nsKek, asKek, 'node');
      try {
        const nodeTarget: LoadgenTarget = {
          mode: 'http',
          url: `https://127.0.0.1:${nodePeer.port}/`,
          ...nodePeer.tls,
          conns: o.inFlight,
        };
        const nodePids: Record<string, number> = { 'node-peer': nodePeer.pid, ...redisOnly(infra) };
        np = await saturation(nodeTarget, nodePids, next, o, 15_000);
        log(
          `node peer: ${np.joinsPerS.toFixed(0)} joins/s, ${np.cpuMsPerJoin.toFixed(3)} ms CPU/join ${JSON.stringify(np.failures)}`,
        );
      } finally {
        await nodePeer.stop();
        rmSync(nodePeerDir, { recursive: true, force: true });
      }
      return {
        distributed: {
          joinsPerS: distributed.joinsPerS,
          cpuMsPerJoin: distributed.cpuMsPerJoin,
          perProcessMsPerJoin: distributed.perProcessMsPerJoin,
          generatorMsPerJoin: distributed.generatorMsPerJoin,
          errors: distributed.errors,
          cpuPerJoinVsCrypto: verdict((distributed.cpuMsPerJoin * 1000) / cryptoUs, '≤', 25),
          load: distributed.load,
        },
        peer: p,
        peerAtJoineryRate: { rate, cpuMsPerJoin: same.cpuMsPerJoin, errors: same.errors, load: same.load },
        nodePeer: np,
      };
    } finally {
      await peer.stop();
    }
  } finally {
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Embedded mode: `services/joinery/src/main.ts start` (one process, LMDB, the software vault). */
async function embedded(
  o: RatioOptions,
  devices: readonly Device[],
  cryptoUs: number,
  log: (l: string) => void,
) {
  const server = await startEmbeddedJoinery('ratios-embedded');
  try {
    const { ns } = await claimedFleet(server.apiUrl, server.adminToken, {
      account: 'ratios',
      ns: { name: 'ratios-ns', netId, appSKeyDelivery: 'session-key-id' },
      joinEui,
      devices,
    });
    const target = nsTarget(server.biUrl, ns.credentials, o.inFlight);
    const next = joinReqs(devices);
    const pids = { joinery: server.pid };
    await prefill(target, next, o, devices.length, log);
    const p = await saturation(target, pids, next, o, 6000);
    log(
      `embedded: ${p.joinsPerS.toFixed(0)} joins/s, ${p.cpuMsPerJoin.toFixed(3)} ms CPU/join ${JSON.stringify(p.failures)}`,
    );
    return {
      joinsPerS: p.joinsPerS,
      cpuMsPerJoin: p.cpuMsPerJoin,
      generatorMsPerJoin: p.generatorMsPerJoin,
      errors: p.errors,
      cpuPerJoinVsCrypto: verdict((p.cpuMsPerJoin * 1000) / cryptoUs, '≤', 8),
      load: p.load,
    };
  } finally {
    await server.stop();
  }
}

/** The crypto floor and embedded mode only (`BENCH_ONLY=embedded`): the embedded ratio without the other phases. */
export async function measureEmbeddedRatio(o: RatioOptions) {
  const log = o.log ?? (() => undefined);
  const [crypto, cryptoLoad] = await withLoad(async () => measureJoinCrypto());
  log(`crypto-only join: ${crypto.medianUs.toFixed(2)} µs (median), ${crypto.bestUs.toFixed(2)} µs (best)`);
  const result = await embedded(o, Array.from({ length: o.devices }, newDevice), crypto.medianUs, log);
  return { crypto: { ...crypto, load: cryptoLoad }, embedded: result };
}

export async function measureRatios(o: RatioOptions): Promise<Ratios> {
  const log = o.log ?? (() => undefined);
  const t0 = performance.now();
  const [crypto, cryptoLoad] = await withLoad(async () =>
    o.seconds < 5 ? measureJoinCrypto(5, 1000) : measureJoinCrypto(),
  );
  log(`crypto-only join: ${crypto.medianUs.toFixed(2)} µs (median), ${crypto.bestUs.toFixed(2)} µs (best)`);
  const devices: Device[] = Array.from({ length: o.devices }, newDevice);
  const { keys, latency } = await keysAgainstFloor(o, log);
  const overloadResult = await overload(o);
  log(`overload: ${JSON.stringify(overloadResult)}`);
  const { distributed, peer, peerAtJoineryRate, nodePeer } = await distributedAndPeer(
    o,
    devices,
    crypto.medianUs,
    log,
  );
  const embeddedResult = await embedded(o, devices, crypto.medianUs, log);
  log(`measured in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const perCore = (ms: number) => 1000 / ms;
  const peerPerCore = perCore(peer.cpuMsPerJoin);
  return {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
    options: {
      devices: o.devices,
      seconds: o.seconds,
      inFlight: o.inFlight,
      overloadSeconds: o.overloadSeconds,
    },
    crypto: { ...crypto, load: cryptoLoad },
    embedded: embeddedResult,
    distributed,
    keys,
    latency,
    overload: overloadResult,
    peer: {
      joinsPerS: peer.joinsPerS,
      cpuMsPerJoin: peer.cpuMsPerJoin,
      perProcessMsPerJoin: peer.perProcessMsPerJoin,
      generatorMsPerJoin: peer.generatorMsPerJoin,
      errors: peer.errors,
      joinsPerCore: peerPerCore,
      distributedJoinsPerCore: perCore(distributed.cpuMsPerJoin),
      embeddedJoinsPerCore: perCore(embeddedResult.cpuMsPerJoin),
      distributedVsPeer: verdict(perCore(distributed.cpuMsPerJoin) / peerPerCore, '≥', 1),
      atDistributedRate: {
        ...peerAtJoineryRate,
        joinsPerCore: perCore(peerAtJoineryRate.cpuMsPerJoin),
        distributedVsPeer: perCore(distributed.cpuMsPerJoin) / perCore(peerAtJoineryRate.cpuMsPerJoin),
      },
      embeddedVsPeer: verdict(perCore(embeddedResult.cpuMsPerJoin) / peerPerCore, '≥', 2),
      load: peer.load,
    },
    nodePeer: {
      joinsPerS: nodePeer.joinsPerS,
      cpuMsPerJoin: nodePeer.cpuMsPerJoin,
      perProcessMsPerJoin: nodePeer.perProcessMsPerJoin,
      errors: nodePeer.errors,
      joinsPerCore: perCore(nodePeer.cpuMsPerJoin),
      vsPeer: perCore(nodePeer.cpuMsPerJoin) / peerPerCore,
      load: nodePeer.load,
    },
  };
}

/** Calls per command since the Redis server started (`INFO commandstats`). */
async function redisCommandCalls(redis: ReturnType<typeof connectRedis>): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(m[1]!, Number(m[2]));
  return calls;
}

/**
 * `BENCH_ONLY=distributed`: the distributed path alone, as `measureRatios` measures it (the same stack, warm-up and
 * closed loop), then an open loop at `rate` joins/s; each phase with its CPU per join and its Redis commands per join
 * (the commands the bench's Redis served over the phase ÷ the joins).
 */
export async function measureDistributedOnly(o: RatioOptions & { readonly rate: number }): Promise<void> {
  const log = o.log ?? (() => undefined);
  const [crypto] = await withLoad(async () => measureJoinCrypto(5, 1000));
  log(`crypto-only join: ${crypto.medianUs.toFixed(2)} µs (median)`);
  const devices: Device[] = Array.from({ length: o.devices }, newDevice);
  const next = joinReqs(devices);
  const stats = connectRedis(o.redisUrl, { connectionName: 'ratios-commandstats' });
  try {
    await withDistributedStack(o, devices, next, log, async (target, pids) => {
      const measured = async (name: string, load: LoadgenPhase, count: number) => {
        const before = await redisCommandCalls(stats);
        const p = await pathPhase(target, load, next(count), pids);
        const after = await redisCommandCalls(stats);
        const ok = Math.max(1, p.joins);
        const perJoin = [...after]
          .map(([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / ok] as const)
          .filter(([, n]) => n >= 0.005)
          .sort((a, b) => b[1] - a[1]);
        const total = perJoin.reduce((n, [, c]) => n + c, 0);
        const split = Object.entries(p.perProcessMsPerJoin).map(([k, ms]) => `${k} ${ms.toFixed(3)}`);
        log(
          `${name}: ${p.joinsPerS.toFixed(0)} joins/s, ${p.cpuMsPerJoin.toFixed(3)} ms CPU/join ` +
            `(${(p.cpuMsPerJoin / (crypto.medianUs / 1000)).toFixed(1)}× crypto; ${split.join(', ')}), ` +
            `Redis ${total.toFixed(2)} commands/join (${perJoin.map(([c, n]) => `${c} ${n.toFixed(2)}`).join(', ')}), ` +
            `errors ${p.errors}, load ${JSON.stringify(p.load)}`,
        );
      };
      await pathPhase(target, { rate: 300, seconds: 2 }, next(600), pids);
      await pathPhase(target, { closed: o.inFlight, seconds: 2 }, next(8000), pids);
      await measured('distributed saturation', { closed: o.inFlight, seconds: o.seconds }, 4000 * o.seconds);
      await measured(`distributed at ${o.rate}/s`, { rate: o.rate, seconds: o.seconds }, o.rate * o.seconds);
    });
  } finally {
    await stats.quit();
  }
}
