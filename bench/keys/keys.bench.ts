// Keys service benchmark: joins/s through gRPC on loopback, for the software vault and for SoftHSM2.
//
//   node --import tsx bench/keys/keys.bench.ts                 software vault (+ SoftHSM2 when PKCS11_* are set)
//   REDIS_URL=redis://… node --import tsx bench/keys/keys.bench.ts    also with Redis state (SoftHSM2 then on Redis)
//
// Method: the keys service runs as its own process (`services/keys/src/main.ts`), the load generator here. 1,000
// LoRaWAN 1.0.4 devices are imported; join-requests (with valid MICs) are precomputed so the generator spends its CPU
// on gRPC only. (1) Saturation: a closed loop with 64 calls in flight for 10 s gives the maximum joins/s. (2) Half
// load: an open loop sending at half that rate for 10 s gives p50/p99 latency. Results go to bench/keys/RESULTS.md.
import { KekPurpose, MacVersion } from '@joinery/proto/keys/v1/keys_pb';
import { freePort } from '@joinery/testing/infra';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { handleJoinRequest } from '../../services/keys/src/testing/keys-grpc-fixtures.js';
import {
  keysEntryPoints,
  startKeysProcess,
  type KeysProcess,
} from '../../services/keys/src/testing/keys-process.js';

const deviceCount = 1000;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const inFlight = 64;

interface Result {
  vault: string;
  state: string;
  maxRate: number;
  maxP50: number;
  maxP99: number;
  halfRate: number;
  halfP50: number;
  halfP99: number;
  /** The generator's own event-loop delay during the half-load phase, p99 (ms): stalls that count against us. */
  halfLoopDelayP99: number;
  errors: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

async function setup(keys: KeysProcess) {
  const rootKey = new Uint8Array(randomBytes(16));
  await keys.client.createKek({ label: 'ns:000013', purpose: KekPurpose.PEER });
  await keys.client.createKek({ label: 'as:as1', purpose: KekPurpose.PEER });
  const devices = Array.from({ length: deviceCount }, () => new Uint8Array(randomBytes(8)));
  for (let i = 0; i < devices.length; i += 250) {
    await keys.client.importRootKeysBatch(
      {
        devices: devices.slice(i, i + 250).map((devEui) => ({
          devEui,
          macVersion: MacVersion.MAC_VERSION_1_0_4,
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
    return handleJoinRequest(rootKey, devices[d]!, n, MacVersion.MAC_VERSION_1_0_4);
  };
  return { next };
}

async function closedLoop(
  keys: KeysProcess,
  next: () => ReturnType<typeof handleJoinRequest>,
  durationS: number,
) {
  const requests = Array.from({ length: 8000 * durationS }, next);
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const end = performance.now() + durationS * 1000;
  const worker = async () => {
    while (performance.now() < end && i < requests.length) {
      const req = requests[i++]!;
      const t0 = performance.now();
      try {
        await keys.client.handleJoin(req);
        latencies.push(performance.now() - t0);
      } catch {
        errors += 1;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

async function openLoop(
  keys: KeysProcess,
  next: () => ReturnType<typeof handleJoinRequest>,
  rate: number,
  durationS: number,
) {
  const total = Math.floor(rate * durationS);
  const requests = Array.from({ length: total }, next);
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(
      keys.client.handleJoin(requests[k]!).then(
        () => void latencies.push(performance.now() - t0),
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

async function run(vault: string, state: 'LMDB' | 'Redis', env: Record<string, string>): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-keys-bench-'));
  const keys = await startKeysProcess(
    {
      JOINERY_DATA_DIR: dataDir,
      JOINERY_LOG_LEVEL: 'warn',
      ...(state === 'Redis' ? { JOINERY_REDIS_URL: process.env.REDIS_URL! } : {}),
      ...env,
    },
    join(dataDir, 'keys.log'),
    await freePort(),
    vault === 'fake' ? keysEntryPoints.testServer : keysEntryPoints.main,
  );
  try {
    const { next } = await setup(keys);
    await closedLoop(keys, next, 2);
    const max = await closedLoop(keys, next, seconds);
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const half = await openLoop(keys, next, max.rate / 2, seconds);
    loopDelay.disable();
    const result = {
      vault,
      state,
      maxRate: max.rate,
      maxP50: max.p50,
      maxP99: max.p99,
      halfRate: half.rate,
      halfP50: half.p50,
      halfP99: half.p99,
      halfLoopDelayP99: loopDelay.percentile(99) / 1e6,
      errors: max.errors + half.errors,
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await keys.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// BENCH_VAULT=fake measures everything but the vault (the in-memory test double) through the same process and gRPC.
const states = process.env.REDIS_URL ? (['LMDB', 'Redis'] as const) : (['LMDB'] as const);
const results: Result[] = [];
for (const state of states)
  results.push(await run(process.env.BENCH_VAULT === 'fake' ? 'fake' : 'software', state, {}));
const pkcs11 = ['PKCS11_MODULE', 'PKCS11_PIN', 'PKCS11_TOKEN_LABEL', 'SOFTHSM2_CONF'].map(
  (k) => process.env[k],
);
if (process.env.BENCH_VAULT !== 'fake' && pkcs11.every((v) => v !== undefined && v !== '')) {
  results.push(
    await run('SoftHSM2 (PKCS#11)', states.at(-1)!, {
      JOINERY_PKCS11_MODULE: process.env.PKCS11_MODULE!,
      JOINERY_PKCS11_PIN: process.env.PKCS11_PIN!,
      JOINERY_PKCS11_TOKEN_LABEL: process.env.PKCS11_TOKEN_LABEL!,
      ...(process.env.PKCS11_SLOT ? { JOINERY_PKCS11_SLOT: process.env.PKCS11_SLOT } : {}),
      SOFTHSM2_CONF: process.env.SOFTHSM2_CONF!,
    }),
  );
}

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
    `join-requests precomputed, NS and AS KEK wrapping, session stored, JoinEvent in the outbox (no Kafka relay). ` +
    `Saturation: closed loop, ${inFlight} calls in flight, ${seconds} s. Half load: open loop at half the saturation rate, ${seconds} s.`,
  '',
  '| vault | state | max joins/s | p50 / p99 at max (ms) | half-load joins/s | p50 / p99 at half load (ms) | generator loop delay p99 at half load (ms) | errors |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.vault} | ${r.state} | ${f(r.maxRate)} | ${f(r.maxP50)} / ${f(r.maxP99)} | ${f(r.halfRate)} | ${f(r.halfP50)} / ${f(r.halfP99)} | ${f(r.halfLoopDelayP99)} | ${r.errors} |`,
  ),
  '',
  'Targets: ≥ 3,000 joins/s (software), ≥ 1,500 joins/s (SoftHSM2), p99 ≤ 10 ms at half load.',
  '',
  ...(process.env.BENCH_NOTES ? [process.env.BENCH_NOTES, ''] : []),
];
writeFileSync(new URL('./RESULTS.md', import.meta.url), lines.join('\n'));
