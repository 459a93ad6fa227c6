// Where the overload phase's answers spent their time: the generator's timelines (BENCH_OVERLOAD_TIMELINES=dir) set
// beside the gateway's timings of the same requests (OVERLOAD_TIMING_FILE=file), matched by DevAddr. Prints, per phase
// (half, 3×) and kind (accepted, refused), p50/p90/p99 in ms of: the client's latency; before admission (scheduled
// send to onRequest: generator lag, socket queue, the parsing of requests read before it); body read and parsed;
// the handler (claims, keys); the answer written; and the mean of each for the slowest 1 %.
//   BENCH_NO_WRITE=1 BENCH_OVERLOAD_TIMELINES=/tmp/tl OVERLOAD_TIMING_FILE=/tmp/timing.txt \
//     node --import tsx bench/bi/overload-ratio.bench.ts
//   node --import tsx bench/bi/overload-timings.ts /tmp/tl /tmp/timing.txt
import { readFileSync } from 'node:fs';

interface ServerTiming {
  readonly arrived: number;
  readonly handled: number;
  readonly sent: number;
  readonly answered: number;
}

const [dir, timingFile] = process.argv.slice(2);
if (dir === undefined || timingFile === undefined)
  throw new Error('usage: overload-timings.ts <timelines dir> <timing file>');
const phases = JSON.parse(readFileSync(`${dir}/phases.json`, 'utf8')) as Record<
  'half' | 'over',
  { rate: number; first: number }
>;
const server = new Map<string, ServerTiming>();
for (const line of readFileSync(timingFile, 'utf8').split('\n')) {
  if (line === '') continue;
  const [devAddr = '', , arrived, handled, sent, answered] = line.split(' ');
  server.set(devAddr, {
    arrived: Number(arrived),
    handled: Number(handled),
    sent: Number(sent),
    answered: Number(answered),
  });
}
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

for (const name of ['half', 'over'] as const) {
  const { rate, first } = phases[name];
  const rows: { sentMs: number; latency: number; ok: boolean; s: ServerTiming }[] = [];
  for (const line of readFileSync(`${dir}/${name}.txt`, 'utf8').split('\n')) {
    if (line === '') continue;
    const [sentMs, latency, ...failure] = line.split(' ');
    // In an open loop the n-th request is sent at n ÷ rate; its DevAddr is the bench's counter.
    const n = Math.round((Number(sentMs) * rate) / 1000);
    const s = server.get(((first + n) >>> 0).toString(16).padStart(8, '0'));
    if (s !== undefined)
      rows.push({ sentMs: Number(sentMs), latency: Number(latency), ok: failure.join(' ') === '', s });
  }
  // The generator's phase start on the gateway's clock: the least (arrival - scheduled send) of the phase.
  let start = Number.POSITIVE_INFINITY;
  for (const row of rows) start = Math.min(start, row.s.arrived - row.sentMs);
  const parts = {
    client: (r: (typeof rows)[number]) => r.latency,
    beforeAdmission: (r: (typeof rows)[number]) => r.s.arrived - r.sentMs - start,
    bodyParsed: (r: (typeof rows)[number]) => r.s.handled - r.s.arrived,
    handler: (r: (typeof rows)[number]) => r.s.sent - r.s.handled,
    written: (r: (typeof rows)[number]) => r.s.answered - r.s.sent,
  };
  for (const kind of ['accepted', 'refused'] as const) {
    const set = rows.filter((r) => r.ok === (kind === 'accepted'));
    const slowest = [...set]
      .sort((a, b) => b.latency - a.latency)
      .slice(0, Math.max(1, Math.floor(set.length / 100)));
    const report: Record<string, unknown> = { answers: set.length };
    const slow: Record<string, number> = {};
    for (const [part, of] of Object.entries(parts)) {
      const values = set.map(of);
      report[part] = [50, 90, 99].map((p) => Number(percentile(values, p).toFixed(2))).join(' / ');
      slow[part] = Number((slowest.reduce((sum, r) => sum + of(r), 0) / slowest.length).toFixed(2));
    }
    console.log(JSON.stringify({ phase: name, kind, ...report, slowest1Percent: slow }));
  }
}
