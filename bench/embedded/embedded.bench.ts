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
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchRow, createApiClient, simulatedDevice, type RegisteredNetworkServer } from '@joinery/joinery';
import { hexOf, joinReqMessage } from '@joinery/testing/simulated-network';
import { freePort, spawnManaged } from '@joinery/testing/infra';
import { runMeasuredLoadgen, type LoadgenPhase } from '../loadgen/loadgen.js';

const deviceCount = Number(process.env.BENCH_DEVICES ?? 5000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rates = (process.env.BENCH_RATES ?? '500,1000,2000,3000').split(',').filter(Boolean).map(Number);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const joinEui = '70B3D57ED00BE4C0';

const dir = mkdtempSync(join(tmpdir(), 'joinery-bench-embedded-'));
const [apiPort, biPort] = [await freePort(), await freePort()];
const server = spawnManaged({
  command: process.execPath,
  args: [
    ...(process.env.BENCH_PROFILE_DIR === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]),
    '--import',
    'tsx',
    join(repoRoot, 'services/joinery/src/main.ts'),
    'start',
  ],
  cwd: repoRoot,
  logFile: join(dir, 'joinery.log'),
  env: {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    JOINERY_DATA_DIR: join(dir, 'data'),
    JOINERY_API_PORT: String(apiPort),
    JOINERY_API_HOST: '127.0.0.1',
    JOINERY_BI_PORT: String(biPort),
    JOINERY_BI_HOST: '127.0.0.1',
    JOINERY_LOG_LEVEL: 'warn',
    // Claim-code hashing cost only affects the set-up, not the joins measured here.
    JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
    JOINERY_BI_PEER_RATE: '100000',
    JOINERY_BI_PEER_BURST: '100000',
    // Overload protection sized above the offered load (as bench/ratios does): this bench measures the join path.
    JOINERY_BI_MAX_IN_FLIGHT: '4096',
    JOINERY_BI_TARGET_LATENCY: '60000',
    JOINERY_BI_MAX_QUEUE_AGE: '60000',
    JOINERY_BI_MAX_EVENT_LOOP_DELAY: '60000',
    JOINERY_BI_DEADLINE_MS: '5000',
  },
});

try {
  const deadline = Date.now() + 90_000;
  while (!server.logTail(50).includes('Joinery is running')) {
    if (server.exited() !== undefined || Date.now() > deadline)
      throw new Error(`start failed:\n${server.logTail(30)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const adminToken = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
  const admin = createApiClient(`http://127.0.0.1:${apiPort}`, adminToken);
  const account = await admin.request<{ apiKey: string }>('POST', '/api/v1/accounts', { name: 'bench' });
  const owner = createApiClient(`http://127.0.0.1:${apiPort}`, account.apiKey);
  const ns = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
    name: 'bench-ns',
    netId: '000013',
    appSKeyDelivery: 'session-key-id',
  });
  const devices = Array.from({ length: deviceCount }, () => simulatedDevice('1.0.4'));
  for (let i = 0; i < devices.length; i += 1000)
    await admin.request('POST', '/api/v1/device-batches', {
      joinEui,
      devices: devices.slice(i, i + 1000).map(batchRow),
    });
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < devices.length; i += 8) {
        const d = devices[i];
        if (d !== undefined)
          await owner.request('POST', '/api/v1/claims', {
            devEui: d.devEui,
            claimCode: d.claimCode,
            networkServerId: ns.id,
          });
      }
    }),
  );
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
  const target = {
    mode: 'http',
    url: `https://127.0.0.1:${biPort}/`,
    certPem: ns.credentials.clientCertPem,
    keyPem: ns.credentials.clientKeyPem,
    caPem: ns.credentials.caCertPem,
    conns: 64,
  } as const;
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
  rmSync(dir, { recursive: true, force: true });
}
