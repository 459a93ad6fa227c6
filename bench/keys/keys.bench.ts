// Keys service benchmark: joins/s through gRPC on loopback, for the software vault and for SoftHSM2.
//
//   node --import tsx bench/keys/keys.bench.ts                 software vault and SoftHSM2 (a token of its own)
//   REDIS_URL=redis://… node --import tsx bench/keys/keys.bench.ts    also with Redis state (SoftHSM2 then on Redis)
//   BENCH_SOFTHSM=0 leaves SoftHSM2 out.
//
// Method: the keys service runs as its own process (`services/keys/src/main.ts`), the load generator is bench/loadgen
// (Go). 1,000 LoRaWAN 1.0.4 devices are imported; join-requests (with valid MICs) are precomputed here as protobuf
// bytes, so the generator spends its CPU on gRPC only. (1) Saturation: a closed loop with 64 calls in flight for 10 s
// gives the maximum joins/s. (2) Half load: an open loop at half the target rate (1,500 joins/s software, 750
// SoftHSM2) for 10 s gives p50/p99 latency. Both for calls multiplexed on one stream (as Joinery's services make them)
// and for one HTTP/2 stream per call. Results go to bench/keys/RESULTS.md.
import { create, toBinary } from '@bufbuild/protobuf';
import { HandleJoinRequestSchema, KekPurpose } from '@joinery/proto/keys/v1/keys_pb';
import { JoineryError } from '@joinery/errors';
import { freePort, startInfra } from '@joinery/testing/infra';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { handleJoinRequest } from '../../services/keys/src/testing/keys-grpc-fixtures.js';
import {
  keysEntryPoints,
  startKeysProcess,
  type KeysProcess,
} from '../../services/keys/src/testing/keys-process.js';
import { runMeasuredLoadgen, type LoadgenPhase } from '../loadgen/loadgen.js';

const deviceCount = 1000;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const inFlight = 64;
const notesHeading = '## Notes';

/** How the calls travel: multiplexed on one stream (how Joinery's services call keys), or one HTTP/2 stream each. */
type Calls = 'multiplexed' | 'unary';

interface Result {
  vault: string;
  state: string;
  calls: Calls;
  maxRate: number;
  maxP50: number;
  maxP99: number;
  halfRate: number;
  halfP50: number;
  halfP99: number;
  halfP999: number;
  /** How late the generator itself sent during the half-load phase, p99 (ms): it counts against us. */
  halfSendLagP99: number;
  /** Cores the host took from this machine during the half-load phase (of 2). */
  halfSteal: number;
  /** CPU per answered join at saturation (ms): the keys process, and the generator. */
  maxServiceMs: number;
  maxGeneratorMs: number;
  errors: number;
}

async function setup(keys: KeysProcess) {
  const rootKey = new Uint8Array(randomBytes(16));
  // An HSM token outlives the run (SoftHSM2's token is the test infrastructure's): a KEK left by an earlier run is
  // used as it is, since the bench never unwraps what it receives.
  for (const label of ['ns:000013', 'as:as1']) {
    await keys.client.createKek({ label, purpose: KekPurpose.PEER }).catch((err: unknown) => {
      if (!JoineryError.is(err, 'keys:kek_exists')) throw err;
    });
  }
  const devices = Array.from({ length: deviceCount }, () => new Uint8Array(randomBytes(8)));
  for (let i = 0; i < devices.length; i += 250) {
    await keys.client.importRootKeysBatch(
      {
        devices: devices.slice(i, i + 250).map((devEui) => ({
          devEui,
          macVersion: '1.0.4',
          keys: { case: 'plain', value: { nwkKey: rootKey } },
        })),
      },
      { timeoutMs: 60_000 },
    );
  }
  const nextNonce = new Map<number, number>();
  let cursor = 0;
  /** The next join-request: round-robin over devices, each with an increasing DevNonce. */
  const next = () => {
    const d = cursor++ % devices.length;
    const n = nextNonce.get(d) ?? 0;
    nextNonce.set(d, n + 1);
    return handleJoinRequest(rootKey, devices[d]!, n, '1.0.4');
  };
  return { next };
}

/** One phase through the Go generator: `count` requests built here, the keys process's CPU measured around it. */
async function phase(
  keys: KeysProcess,
  port: number,
  next: () => ReturnType<typeof handleJoinRequest>,
  load: LoadgenPhase,
  count: number,
  calls: Calls,
) {
  const requests = Array.from({ length: count }, () =>
    toBinary(HandleJoinRequestSchema, create(HandleJoinRequestSchema, next())),
  );
  return runMeasuredLoadgen(
    {
      mode: 'grpc',
      target: `127.0.0.1:${port}`,
      method: '/joinery.keys.v1.KeysService/HandleJoin',
      mux: calls === 'multiplexed',
    },
    load,
    requests,
    keys.child.pid!,
  );
}

async function run(vault: string, state: 'LMDB' | 'Redis', env: Record<string, string>): Promise<Result[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-keys-bench-'));
  const port = await freePort();
  const keys = await startKeysProcess(
    {
      JOINERY_DATA_DIR: dataDir,
      JOINERY_LOG_LEVEL: 'warn',
      ...(state === 'Redis' ? { JOINERY_REDIS_URL: process.env.REDIS_URL! } : {}),
      ...env,
    },
    join(dataDir, 'keys.log'),
    port,
    vault === 'fake' ? keysEntryPoints.testServer : keysEntryPoints.main,
  );
  try {
    const { next } = await setup(keys);
    const out: Result[] = [];
    for (const calls of ['multiplexed', 'unary'] as const) {
      await phase(keys, port, next, { closed: inFlight, seconds: 2 }, 8000 * 2, calls);
      const max = await phase(keys, port, next, { closed: inFlight, seconds }, 8000 * seconds, calls);
      // "p99 ≤ 10 ms at half that load": half the target for this vault, the same rate in every run.
      const halfRate = vault.startsWith('SoftHSM2') ? 750 : 1500;
      const half = await phase(keys, port, next, { rate: halfRate, seconds }, halfRate * seconds, calls);
      const result: Result = {
        vault,
        state,
        calls,
        maxRate: max.achieved,
        maxP50: max.p50,
        maxP99: max.p99,
        maxServiceMs: max.serverMs,
        maxGeneratorMs: max.generatorMs,
        halfRate: half.achieved,
        halfP50: half.p50,
        halfP99: half.p99,
        halfP999: half.p999,
        halfSendLagP99: half.sendLagP99,
        halfSteal: half.stealShare * cpus().length,
        errors: max.errors + half.errors,
      };
      console.log(JSON.stringify(result));
      out.push(result);
    }
    return out;
  } finally {
    await keys.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// BENCH_VAULT=fake measures everything but the vault (the in-memory test double) through the same process and gRPC.
const states = process.env.REDIS_URL ? (['LMDB', 'Redis'] as const) : (['LMDB'] as const);
const results: Result[] = [];
for (const state of states)
  results.push(...(await run(process.env.BENCH_VAULT === 'fake' ? 'fake' : 'software', state, {})));
// SoftHSM2 on a token of its own, holding only this run's devices: SoftHSM2's file store touches the token's
// directory on every operation, so a token shared with the tests (thousands of objects) would measure their leftovers.
if (process.env.BENCH_VAULT !== 'fake' && process.env.BENCH_SOFTHSM !== '0') {
  const hsm = await startInfra({ softhsm: true, redis: false, kafka: false, env: {} });
  try {
    results.push(
      ...(await run('SoftHSM2 (PKCS#11)', states.at(-1)!, {
        JOINERY_PKCS11_MODULE: hsm.env['PKCS11_MODULE']!,
        JOINERY_PKCS11_PIN: hsm.env['PKCS11_PIN']!,
        JOINERY_PKCS11_TOKEN_LABEL: hsm.env['PKCS11_TOKEN_LABEL']!,
        ...(hsm.env['PKCS11_SLOT'] ? { JOINERY_PKCS11_SLOT: hsm.env['PKCS11_SLOT'] } : {}),
        SOFTHSM2_CONF: hsm.env['SOFTHSM2_CONF']!,
      })),
    );
  } finally {
    await hsm.stop();
  }
}

/** The floor: the same generator, rates and mux against a server that answers at once (bench/keys/floor-server.ts). */
interface Floor {
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  steal: number;
  errors: number;
}

async function floor(rates: readonly number[]): Promise<Floor[]> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./floor-server.ts', import.meta.url))],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
      child.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('listening')) resolve();
      });
    });
    // The floor server reads nothing of the request: one of the real size, sent every time.
    const request = toBinary(
      HandleJoinRequestSchema,
      create(HandleJoinRequestSchema, handleJoinRequest(new Uint8Array(16), new Uint8Array(8), 0, '1.0.4')),
    );
    const requests = (count: number) => Array.from({ length: count }, () => request);
    const target = {
      mode: 'grpc',
      target: `127.0.0.1:${port}`,
      method: '/joinery.keys.v1.KeysService/HandleJoin',
      mux: true,
    } as const;
    await runMeasuredLoadgen(target, { rate: 1500, seconds: 2 }, requests(3000), child.pid!);
    const out: Floor[] = [];
    for (const rate of rates) {
      const r = await runMeasuredLoadgen(target, { rate, seconds }, requests(rate * seconds), child.pid!);
      const row = {
        rate,
        p50: r.p50,
        p99: r.p99,
        p999: r.p999,
        steal: r.stealShare * cpus().length,
        errors: r.errors,
      };
      console.log(JSON.stringify({ floor: row }));
      out.push(row);
    }
    return out;
  } finally {
    child.kill('SIGTERM');
  }
}
const floors = process.env.BENCH_VAULT === 'fake' ? [] : await floor([1500, 750]);

const f = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
const cpu = cpus();
const lines = [
  '# Keys service benchmark',
  '',
  `Run ${new Date().toISOString()} with \`node --import tsx bench/keys/keys.bench.ts\`.`,
  '',
  `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}. ` +
    'Shared machine: the keys process and the load generator run on the same cores (and other work may have been running).',
  '',
  `Method: the keys service as its own process (\`services/keys/src/main.ts\`; for the \`fake\` vault, the in-memory test double, ` +
    `\`services/keys/src/testing/keys-test-server.ts\`, same state, gRPC and pipeline), gRPC over loopback, ${deviceCount} LoRaWAN 1.0.4 devices, ` +
    `join-requests precomputed (protobuf bytes, valid MICs, increasing DevNonces, devices round-robin), NS and AS KEK wrapping, ` +
    `session stored, JoinEvent in the outbox (no Kafka relay). The generator is \`bench/loadgen\` (Go, grpc-go, one HTTP/2 ` +
    `connection, the requests sent as they are); every call must return OK. Each vault and state is measured twice: with the ` +
    `calls _multiplexed_ as messages on one \`joinery.rpc.v1.MuxService\` stream (how the gateway and claims call keys), and ` +
    `_unary_, one HTTP/2 stream per call (how a client without the mux calls). Saturation: closed loop, ${inFlight} calls in flight, ` +
    `${seconds} s, after a 2 s warm-up. Half load: open loop at half the target (1,500 joins/s software, 750 SoftHSM2), ${seconds} s, latency from the scheduled send time. ` +
    'CPU per join from /proc (keys process) and getrusage (generator). SoftHSM2 runs on a token of its own, created ' +
    "for the run (file object store), holding only the bench's KEKs and devices.",
  '',
  '| vault | state | calls | max joins/s | p50 / p99 at max (ms) | CPU ms/join at max: keys / generator | half-load joins/s | p50 / p99 / p99.9 at half load (ms) | generator send lag p99 (ms) | host steal at half load (cores) | errors |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.vault} | ${r.state} | ${r.calls} | ${f(r.maxRate)} | ${f(r.maxP50)} / ${f(r.maxP99)} | ${r.maxServiceMs.toFixed(3)} / ${r.maxGeneratorMs.toFixed(3)} | ${f(r.halfRate)} | ${f(r.halfP50)} / ${f(r.halfP99)} / ${f(r.halfP999)} | ${f(r.halfSendLagP99)} | ${r.halfSteal.toFixed(2)} | ${r.errors} |`,
  ),
  '',
  'Targets: ≥ 3,000 joins/s (software), ≥ 1,500 joins/s (SoftHSM2), p99 ≤ 10 ms at half load.',
  '',
  ...(floors.length === 0
    ? []
    : [
        '**Floor, same run:** the same generator, multiplexed, against a server on libs/grpc that answers HandleJoin at ' +
          'once (`bench/keys/floor-server.ts`). No keys service can answer faster than this on this machine at the same moment.',
        '',
        '| offered calls/s | p50 / p99 / p99.9 (ms) | host steal (cores) | errors |',
        '|---|---|---|---|',
        ...floors.map(
          (r) =>
            `| ${r.rate} | ${f(r.p50)} / ${f(r.p99)} / ${f(r.p999)} | ${r.steal.toFixed(2)} | ${r.errors} |`,
        ),
        '',
      ]),
];
// The hand-written notes (from their heading on) survive a re-run.
const resultsFile = new URL('./RESULTS.md', import.meta.url);
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const notes = previous.indexOf(notesHeading);
writeFileSync(resultsFile, lines.join('\n') + (notes === -1 ? '' : `\n${previous.slice(notes)}`));
