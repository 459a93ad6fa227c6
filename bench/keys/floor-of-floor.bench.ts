// The floor of the floor: how close to the floor server (libs/grpc answering at once) any keys service on Redis could
// come. In one run, alternating, the saturation (closed loop, 64 calls in flight on one multiplexed stream, the Go
// generator) of: the floor server; the floor plus the crypto of a join (bench/lorawan's crypto-only join and the third
// wrap); the floor plus the keys service's two atomic Redis steps (reserve, commit) through its own state store; the
// floor plus both; and the keys service itself (software vault, Redis state). Each as calls/s and ÷ the floor's; then
// each one's p99 at half the keys service's saturation (open loop). Printed only.
//
//   node --import tsx bench/keys/floor-of-floor.bench.ts       starts Redis unless REDIS_URL is set
//   BENCH_SECONDS=8 BENCH_ROUNDS=2 …                            (the defaults)
import { freePort } from '@joinery/testing/infra';
import { benchRedis } from '../common/bench-redis.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { keysEntryPoints, startKeysProcess } from '../../services/keys/src/testing/keys-process.js';
import { runMeasuredLoadgen } from '../loadgen/loadgen.js';
import {
  handleJoinBodies,
  importKeysBenchDevices,
  keysGrpcTarget,
  startFloorServer,
} from '../ratios/ratios.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const works = ['none', 'crypto', 'redis', 'crypto+redis'] as const;

async function startFloor(work: string, redisUrl: string) {
  const port = await freePort();
  const floor = await startFloorServer(port, { FLOOR_WORK: work, REDIS_URL: redisUrl });
  return { port, pid: floor.pid, stop: floor.stop };
}

const { url: redisUrl, infra } = await benchRedis(14, 'floor-of-floor-bench');
const dataDir = mkdtempSync(join(tmpdir(), 'joinery-floor-of-floor-'));
const keysPort = await freePort();
const keys = await startKeysProcess(
  { JOINERY_DATA_DIR: dataDir, JOINERY_LOG_LEVEL: 'warn', JOINERY_REDIS_URL: redisUrl },
  join(dataDir, 'keys.log'),
  keysPort,
  keysEntryPoints.main,
);
const floors = new Map<string, Awaited<ReturnType<typeof startFloor>>>();
try {
  for (const work of works) floors.set(work, await startFloor(work, redisUrl));
  const { rootKey, devEuis } = await importKeysBenchDevices(keys.client, 1000);
  // Every server has its own nonce state, so each gets its own increasing DevNonces.
  const nonces = new Map<string, Uint32Array>();
  const bodies = handleJoinBodies(rootKey, devEuis);
  const requests = (server: string, count: number) => {
    const n = nonces.get(server) ?? new Uint32Array(devEuis.length);
    nonces.set(server, n);
    return bodies(count, n);
  };
  const target = keysGrpcTarget;
  const servers = [
    ...works.map((w) => ({ name: `floor+${w}`, port: floors.get(w)!.port, pid: floors.get(w)!.pid })),
    { name: 'keys', port: keysPort, pid: keys.child.pid! },
  ];
  for (const s of servers)
    await runMeasuredLoadgen(target(s.port), { closed: 64, seconds: 2 }, requests(s.name, 60_000), s.pid);
  const results = new Map<string, { callsPerS: number[]; cpuMs: number[]; load: number[] }>();
  for (let r = 0; r < rounds; r++)
    for (const s of servers) {
      const load = loadavg()[0] ?? 0;
      const m = await runMeasuredLoadgen(
        target(s.port),
        { closed: 64, seconds },
        requests(s.name, 30_000 * seconds),
        s.pid,
      );
      if (m.errors > 0) throw new Error(`${s.name}: ${m.errors} errors ${JSON.stringify(m.failures)}`);
      const row = results.get(s.name) ?? { callsPerS: [], cpuMs: [], load: [] };
      row.callsPerS.push(m.achieved);
      row.cpuMs.push(m.serverMs);
      row.load.push(load);
      results.set(s.name, row);
      console.log(
        `[floor-of-floor] round ${r + 1} ${s.name}: ${m.achieved.toFixed(0)} calls/s, ` +
          `${m.serverMs.toFixed(3)} ms CPU/call, load ${load.toFixed(1)}`,
      );
    }
  // p99 at half the keys service's saturation (open loop, latency from the scheduled send time), each server.
  const keysMax = results.get('keys')!.callsPerS;
  const rate = Math.max(1, Math.round(keysMax.reduce((a, b) => a + b, 0) / keysMax.length / 2));
  const p99 = new Map<string, number>();
  for (const s of servers) {
    const load = loadavg()[0] ?? 0;
    const m = await runMeasuredLoadgen(
      target(s.port),
      { rate, seconds },
      requests(s.name, rate * seconds),
      s.pid,
    );
    p99.set(s.name, m.p99);
    console.log(
      `[floor-of-floor] ${s.name} at ${rate}/s: p99 ${m.p99.toFixed(2)} ms, ` +
        `${m.serverMs.toFixed(3)} ms CPU/call, errors ${m.errors}, load ${load.toFixed(1)}`,
    );
  }
  const floor = results.get('floor+none')!;
  console.log(
    `| server | calls/s (per round) | ÷ floor | CPU ms/call | load | p99 at ${rate}/s, ms (÷ floor) |\n` +
      '|---|---|---|---|---|---|',
  );
  for (const [name, row] of results)
    console.log(
      `| ${name} | ${row.callsPerS.map((x) => x.toFixed(0)).join(', ')} | ` +
        `${row.callsPerS.map((x, i) => (x / floor.callsPerS[i]!).toFixed(2)).join(', ')} | ` +
        `${row.cpuMs.map((x) => x.toFixed(3)).join(', ')} | ${row.load.map((x) => x.toFixed(1)).join(', ')} | ` +
        `${p99.get(name)!.toFixed(2)} (${(p99.get(name)! / p99.get('floor+none')!).toFixed(1)}) |`,
    );
} finally {
  for (const f of floors.values()) await f.stop();
  await keys.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  await infra?.stop();
}
