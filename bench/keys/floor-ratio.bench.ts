// The keys-against-floor phases of bench/ratios alone (throughput ÷ floor, p99 at half the keys saturation ÷ floor),
// printed, nothing written. Starts Redis (libs/testing/infra) unless REDIS_URL is set.
//
//   node --import tsx bench/keys/floor-ratio.bench.ts
//   BENCH_SECONDS=10 BENCH_KEYS_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' …   node options for the keys process
import { startInfra, type Infra } from '@joinery/testing/infra';
import { keysAgainstFloor } from '../ratios/ratios.js';

let infra: Infra | undefined;
let redisUrl = process.env.REDIS_URL;
if (redisUrl === undefined) {
  infra = await startInfra({ kafka: false, softhsm: false });
  redisUrl = infra.env['REDIS_URL']!;
}
try {
  const { keys, latency } = await keysAgainstFloor(
    {
      redisUrl,
      kafkaBrokers: '',
      devices: 1000,
      seconds: Number(process.env.BENCH_SECONDS ?? 10),
      inFlight: 64,
      overloadSeconds: 0,
      nodeArgs: (process.env.BENCH_KEYS_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
    },
    (line) => console.log(`[keys] ${line}`),
  );
  console.log(JSON.stringify({ keys, latency }, null, 1));
} finally {
  await infra?.stop();
}
