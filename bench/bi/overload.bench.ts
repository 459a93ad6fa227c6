// Backend Interfaces under overload: the gateway (bench/bi/overload-server.ts, its own process) is driven first closed
// loop to find its saturation rate, then open loop at 3× that rate, as an NS fleet behind on its joins would.
// Reported per phase: accepted and refused answers with p50/p99 latency (from the scheduled send time), answers that
// arrived after the caller's 5 s deadline (ChirpStack's timeout), and requests with no answer by then.
// Run: node --import tsx bench/bi/overload.bench.ts [--seconds 6] [--modes on,off] [--connections 64 (0: unbounded)]   (writes bench/bi/OVERLOAD.md)
// Mode `off` runs the same gateway with admission by maxInFlight only (no queue-age, event-loop or keys-budget check).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { requests } from '@joinery/backend-interfaces/fixtures';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const overloadSeconds = Number(option('seconds', '6'));
const modes = option('modes', 'on,off').split(',');
const callerDeadlineMs = 5000;
const concurrency = 64;
/** Connections the generator may open; 0: one per request in flight (ChirpStack's and Go's clients set no limit). */
const connections = Number(option('connections', '64'));
const overloadFactor = 3;

interface Result {
  readonly latencyMs: number;
  readonly outcome: 'accepted' | 'refused' | 'no_answer';
}

interface ServerView {
  readonly served: number;
  readonly server_p50_ms: number;
  readonly server_p99_ms: number;
  readonly max_event_loop_delay_ms: number;
}

/** What the gateway saw, from arrival to answer sent: printed on its stderr when it stops. */
function serverView(child: ChildProcess): Promise<ServerView | undefined> {
  return new Promise((resolve) => {
    let text = '';
    child.stderr!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.once('exit', () => {
      const line = text.split('\n').find((l) => l.startsWith('{"served"'));
      resolve(line === undefined ? undefined : (JSON.parse(line) as ServerView));
    });
  });
}

async function startServer(shedding: boolean): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./overload-server.ts', import.meta.url).pathname],
    {
      env: { ...process.env, OVERLOAD_SHEDDING: shedding ? 'on' : 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const { port } = JSON.parse(line) as { port: number };
    return { port, child };
  }
  throw new Error('the gateway did not start');
}

let counter = 0;
function joinRequest(): string {
  counter += 1;
  // A new DevAddr per request: every request is a new join for the duplicate cache, as ChirpStack's are.
  return JSON.stringify({
    ...requests.ttsBi10JoinReq,
    DevAddr: (counter >>> 0).toString(16).padStart(8, '0'),
  });
}

function send(agent: Agent, port: number, scheduledAt: number): Promise<Result> {
  const payload = joinRequest();
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Result['outcome']) => {
      if (done) return;
      done = true;
      resolve({ latencyMs: performance.now() - scheduledAt, outcome });
    };
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer bench',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              Result?: { ResultCode?: string };
            };
            finish(body.Result?.ResultCode === 'Success' ? 'accepted' : 'refused');
          } catch {
            finish('refused');
          }
        });
      },
    );
    req.setTimeout(callerDeadlineMs + 1000, () => req.destroy());
    req.on('error', () => finish('no_answer'));
    req.end(payload);
  });
}

async function closedLoop(agent: Agent, port: number, ms: number): Promise<number> {
  let accepted = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until)
        if ((await send(agent, port, performance.now())).outcome === 'accepted') accepted += 1;
    }),
  );
  return accepted / (ms / 1000);
}

async function openLoop(agent: Agent, port: number, rate: number, ms: number): Promise<Result[]> {
  const pending: Promise<Result>[] = [];
  const start = performance.now();
  const total = Math.round((rate * ms) / 1000);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (pending.length < due) pending.push(send(agent, port, start + (pending.length * 1000) / rate));
      if (pending.length >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  return Promise.all(pending);
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (v: number) =>
  Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');

const rows: string[] = [];
const loadBefore = loadavg()[0] ?? 0;
const newAgent = () => new Agent({ keepAlive: true, maxSockets: connections === 0 ? Infinity : connections });
// Saturation without shedding (which would refuse part of a closed loop too), the same offered rate for every mode.
const saturation = await (async () => {
  const { port, child } = await startServer(false);
  const agent = newAgent();
  await closedLoop(agent, port, 1000);
  const accepted = await closedLoop(agent, port, 4000);
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return accepted;
})();
const rate = Math.round(saturation * overloadFactor);
for (const mode of modes) {
  const { port, child } = await startServer(mode !== 'off');
  const view = serverView(child);
  const agent = newAgent();
  await closedLoop(agent, port, 500);
  const results = await openLoop(agent, port, rate, overloadSeconds * 1000);
  const accepted = results.filter((r) => r.outcome === 'accepted').map((r) => r.latencyMs);
  const refused = results.filter((r) => r.outcome === 'refused').map((r) => r.latencyMs);
  const late = results.filter((r) => r.outcome !== 'no_answer' && r.latencyMs > callerDeadlineMs).length;
  const lateAccepted = results.filter(
    (r) => r.outcome === 'accepted' && r.latencyMs > callerDeadlineMs,
  ).length;
  const noAnswer = results.filter((r) => r.outcome === 'no_answer').length;
  const row = `| ${mode} | ${Math.round(saturation).toLocaleString('en-US')} | ${rate.toLocaleString('en-US')} | ${results.length.toLocaleString('en-US')} | ${accepted.length.toLocaleString('en-US')} | ${ms(percentile(accepted, 50))} | ${ms(percentile(accepted, 99))} | ${refused.length.toLocaleString('en-US')} | ${ms(percentile(refused, 50))} | ${ms(percentile(refused, 99))} | ${late} (${lateAccepted} accepted) | ${noAnswer} |`;
  rows.push(row);
  agent.destroy();
  child.kill('SIGTERM');
  const seen = await view;
  rows.push(
    `${rows.pop() ?? ''} ${seen === undefined ? '– | – | –' : `${seen.server_p50_ms} | ${seen.server_p99_ms} | ${seen.max_event_loop_delay_ms}`} |`,
  );
  console.log(rows.at(-1));
}

const cpu = cpus();
const report = `# Backend Interfaces overload benchmark

Generated by \`node --import tsx bench/bi/overload.bench.ts --seconds ${overloadSeconds} --modes ${modes.join(',')} --connections ${connections}\` on ${new Date().toISOString().slice(0, 10)}.

**Machine:** ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} logical cores, Node ${process.version}. Shared: 1-minute load
average ${loadBefore.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end — an order of magnitude only.

**Method:** the gateway (\`bench/bi/overload-server.ts\`: the real HTTP edge and BiHandler, plain HTTP with a bearer
token, in-process claims and keys doubles that cost 0.3 ms and 1 ms of CPU on the gateway's event loop per Authorize and
HandleJoin) in its own process; this generator (Node http, keep-alive, ${connections === 0 ? 'a connection per request in flight' : `up to ${connections} connections (requests beyond them wait in the client, and the gateway cannot see that wait)`}) in another. Every request
is a new JoinReq (its own DevAddr). Saturation: closed loop, ${concurrency} in flight, 4 s after 1 s warm-up, accepted
joins/s, without shedding; then for each mode 0.5 s of warm-up and the overload phase. Overload: open loop at ${overloadFactor}× saturation for ${overloadSeconds} s, latency from each request's scheduled send time,
caller deadline ${callerDeadlineMs} ms (ChirpStack's timeout). Mode \`on\`: admission as shipped (maxInFlight 512, queue
age 250 ms, event-loop delay 200 ms, target latency 50 ms, keys budget 100 ms, deadline 1 s from arrival); \`off\`:
maxInFlight only. Latencies are the generator's (from the scheduled send time); the last three columns are the
gateway's own view (from its \`onRequest\` to the answer sent), which shows how much of the wait was outside it.

| shedding | saturation joins/s | offered/s | sent | accepted | accepted p50 ms | accepted p99 ms | refused | refused p50 ms | refused p99 ms | answers after 5 s | no answer | gateway p50 ms | gateway p99 ms | max event-loop delay ms |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`;
writeFileSync(new URL('./OVERLOAD.md', import.meta.url), report);
