// Embedded mode benchmark: joins/s through `npm start`'s process (all five services in one process, LMDB, the
// in-process bus, the software vault), driven by a network server over mTLS keep-alive.
//
//   node --import tsx bench/embedded/embedded.bench.ts
//   BENCH_DEVICES=5000 BENCH_SECONDS=10 BENCH_RATES=500,1000,2000,3000 …   (the defaults)
//   BENCH_NO_WRITE=1 …   prints the table without rewriting RESULTS.md; BENCH_PROFILE_DIR=<dir> … --cpu-prof into it
//
// Method: the launcher runs as its own process (`services/joinery/src/main.ts start`, fresh data directory); the
// load generator here sets up through the REST API (5,000 LoRaWAN 1.0.4 devices imported and claimed, one NS) and
// precomputes valid JoinReq bodies (real MICs); bench/loadgen (Go) sends them, so the generator costs little CPU. Saturation:
// a closed loop with 64 requests in flight for 10 s. Then open loops at fixed offered rates, 10 s each, giving
// p50 / p99 / p99.9. Every answer is checked for `Success`; anything else counts as an error.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { simulatedDevice } from '@joinery/joinery';
import { hexOf, joinReqMessage } from '@joinery/testing/simulated-network';
import { claimedFleet } from '../../test/e2e/src/contract/contract-helpers.js';
import { startEmbeddedJoinery } from '../common/embedded-joinery.js';
import { nsTarget } from '../common/join-path.js';
import { runMeasuredLoadgen, type LoadgenPhase } from '../loadgen/loadgen.js';

const deviceCount = Number(process.env.BENCH_DEVICES ?? 5000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rates = (process.env.BENCH_RATES ?? '500,1000,2000,3000').split(',').filter(Boolean).map(Number);
const joinEui = '70B3D57ED00BE4C0';

const server = await startEmbeddedJoinery(
  'bench-embedded',
  process.env.BENCH_PROFILE_DIR === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`],
);

try {
  const devices = Array.from({ length: deviceCount }, () => simulatedDevice('1.0.4'));
  const { ns } = await claimedFleet(server.apiUrl, server.adminToken, {
    account: 'bench',
    ns: { name: 'bench-ns', netId: '000013', appSKeyDelivery: 'session-key-id' },
    joinEui,
    devices,
  });
  console.log(`${deviceCount} devices imported and claimed`);

  // JoinReq bodies with increasing DevNonces, device after device, so no two requests repeat a nonce.
  let next = 0;
  const body = () => {
    const d = devices[next++ % devices.length] as (typeof devices)[number];
    const devNonce = d.nextDevNonce++;
    return JSON.stringify(
      joinReqMessage(d, {
        joinEui,
        devNonce,
        senderId: '000013',
        transactionId: next,
        devAddr: hexOf(randomBytes(4)),
      }),
    );
  };
  const target = nsTarget(server.biUrl, ns.credentials, 64);
  const bodies = (count: number) => Array.from({ length: count }, body);
  /** One phase through the Go generator, with the CPU each side spent per answered join (ms). */
  const phase = (load: LoadgenPhase, count: number) =>
    runMeasuredLoadgen(target, load, bodies(count), server.pid);
  const row = (name: string, r: Awaited<ReturnType<typeof phase>>) =>
    `| ${name} | ${Math.round(r.achieved)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.p999.toFixed(1)} | ${r.errors} | ${r.serverMs.toFixed(3)} | ${r.generatorMs.toFixed(3)} | ${Math.round(100 * r.busyShare)} % / ${Math.round(100 * r.stealShare)} % |`;

  // Warm-up.
  await phase({ closed: 64, seconds: 2 }, 8000 * 2);
  const rows: string[] = [];
  rows.push(row('saturation (64 in flight)', await phase({ closed: 64, seconds }, 8000 * seconds)));
  console.log(rows.at(-1));
  for (const rate of rates) {
    rows.push(row(`${rate} offered`, await phase({ rate, seconds }, rate * seconds)));
    console.log(rows.at(-1));
  }
  const results = `# Embedded mode benchmark

Run ${new Date().toISOString()} with \`node --import tsx bench/embedded/embedded.bench.ts\`.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}. Shared machine: the Joinery process and the load generator run on the same two cores.

Method: \`services/joinery/src/main.ts start\` (all five services in one process: gateway, claims, keys with the software vault, billing, console; LMDB stores; the in-process bus) in a fresh data directory. ${deviceCount} LoRaWAN 1.0.4 devices imported and claimed through the REST API, one NS (BI 1.0, session keys wrapped under its KEK, AppSKey by SessionKeyID). The generator sends precomputed JoinReqs (valid MICs, increasing DevNonces) over mTLS with keep-alive from \`bench/loadgen\` (Go net/http, HTTP/1.1, up to 64 connections); every answer must be \`Success\`. Each accepted join is durably committed (LMDB fsync) twice in keys, relayed to billing and claims through the outbox. Saturation: closed loop, 64 requests in flight, ${seconds} s, after a 2 s warm-up. Fixed rates: open loop, ${seconds} s each, latency from the scheduled send time. CPU per join: /proc for Joinery, getrusage for the generator.

| load | joins/s | p50 (ms) | p99 (ms) | p99.9 (ms) | errors | Joinery CPU ms/join | generator CPU ms/join | machine busy / stolen by the host |
| ---- | ------- | -------- | -------- | ---------- | ------ | ------------------- | --------------------- | --------------------------------- |
${rows.join('\n')}

Target (issue #8): ≥ 3,000 joins/s with the software vault.
`;
  // The hand-written notes (from their heading on) survive a re-run.
  const resultsFile = new URL('./RESULTS.md', import.meta.url);
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
  const notes = previous.indexOf('## Notes');
  if (process.env.BENCH_NO_WRITE !== '1')
    writeFileSync(resultsFile, results + (notes === -1 ? '' : `\n${previous.slice(notes)}`));
  console.log(results);
} finally {
  await server.stop();
}
