// The overload phase of the ratio bench alone (bench/ratios: `overload`), for work on admission: the gateway of
// overload-server.ts driven by the Go generator at its saturation, half of it and 3× it. Prints the result as JSON;
// writes nothing. Env: BENCH_OVERLOAD_SECONDS (default 6).
//   node --import tsx bench/bi/overload-ratio.bench.ts
import { loadavg } from 'node:os';
import { overload } from '../ratios/ratios.js';

const before = loadavg()[0];
const result = await overload({ overloadSeconds: Number(process.env['BENCH_OVERLOAD_SECONDS'] ?? 6) });
console.log(JSON.stringify({ ...result, loadavg1Before: before, loadavg1After: loadavg()[0] }));
