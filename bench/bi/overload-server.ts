// The gateway for bench/bi/overload.bench.ts, as its own process: the real HTTP edge and BiHandler (admission,
// deadlines, duplicate cache, metrics off) in front of in-process claims and keys doubles whose calls cost CPU on the
// same event loop, as claims and keys do when they share the gateway's cores. Prints its port on stdout.
// Env: OVERLOAD_KEYS_CPU_MS (CPU per HandleJoin, default 1), OVERLOAD_CLAIMS_CPU_MS (per Authorize, default 0.3),
// OVERLOAD_SHEDDING=off (admission only by maxInFlight, 512, as before issue 22 item 17);
// OVERLOAD_MIN_IN_FLIGHT (the adaptive limit's floor, `AdaptiveLimit`), OVERLOAD_ADAPTIVE=off (admission without it, as
// before issue 23), OVERLOAD_TARGET_MS, OVERLOAD_TRACE=1 (admission's state to stderr every 200 ms, a JSON line),
// OVERLOAD_TRACE_FILE=path (the same lines appended to that file: the ratio bench discards the server's stderr),
// OVERLOAD_TIMING_FILE=path (at the end, one line per answered request: `DevAddr success arrived handled sent
// answered`, epoch ms: onRequest (the admission decision), the route entered (body read and parsed), the answer
// handed to Node, the answer written; with bench/ratios' BENCH_OVERLOAD_TIMELINES, the client's view of each).
import { appendFileSync } from 'node:fs';
import { createInProcessClient } from '@joinery/grpc';
import { createLogger } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { BiHandler } from '../../services/bi-gateway/src/domain/bi-handler.js';
import { buildBiHttpApp } from '../../services/bi-gateway/src/adapters/http/bi-http-app.js';
import { startEventLoopDelaySampler } from '../../services/bi-gateway/src/adapters/event-loop-delay.js';
import {
  acceptedJoin,
  authorizedForNs,
  partialService,
} from '../../services/bi-gateway/src/testing/join-doubles.js';

const keysCpuMs = Number(process.env['OVERLOAD_KEYS_CPU_MS'] ?? '1');
const claimsCpuMs = Number(process.env['OVERLOAD_CLAIMS_CPU_MS'] ?? '0.3');
const shedding = process.env['OVERLOAD_SHEDDING'] !== 'off';

const burn = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
/** A gRPC call's answer arrives on a later turn of the event loop, then costs its CPU. */
const later = () => new Promise<void>((resolve) => setImmediate(resolve));

const claims = partialService(ClaimsService, {
  async authorize(request) {
    await later();
    burn(claimsCpuMs);
    return authorizedForNs(request);
  },
});
const keys = partialService(KeysService, {
  async handleJoin() {
    await later();
    burn(keysCpuMs);
    return acceptedJoin();
  },
  async recordRefusal() {
    return { eventId: 'e' };
  },
});

const eventLoop = startEventLoopDelaySampler();
const logger = createLogger({ service: 'bench-gateway', level: 'error' });
const handler = new BiHandler({
  claims: createInProcessClient(ClaimsService, claims),
  keys: createInProcessClient(KeysService, keys),
  logger,
  eventLoopDelayMs: eventLoop.delayMs,
  options: {
    deadlineMs: 1000,
    maxInFlight: 512,
    peerRatePerSecond: 1_000_000,
    peerBurst: 1_000_000,
    duplicateWindowMs: 60_000,
    ...(process.env['OVERLOAD_TARGET_MS'] === undefined
      ? {}
      : { targetSojournMs: Number(process.env['OVERLOAD_TARGET_MS']) }),
    ...(process.env['OVERLOAD_ADAPTIVE'] === 'off' ? { minInFlight: 512 } : {}),
    ...(process.env['OVERLOAD_MIN_IN_FLIGHT'] === undefined
      ? {}
      : { minInFlight: Number(process.env['OVERLOAD_MIN_IN_FLIGHT']) }),
    ...(shedding
      ? {}
      : {
          maxQueueAgeMs: 1e9,
          maxEventLoopDelayMs: 1e9,
          targetSojournMs: 1e9,
          minKeysBudgetMs: 1,
          minInFlight: 512,
        }),
  },
});
const app = buildBiHttpApp({ handler, logger });
// The gateway's own view, from arrival (onRequest) to answer sent, reported to stderr at the end.
const started = new WeakMap<object, number>();
const served: number[] = [];
let maxDelay = 0;
app.addHook('onRequest', (request, _reply, done) => {
  started.set(request, performance.now());
  maxDelay = Math.max(maxDelay, eventLoop.delayMs());
  done();
});
app.addHook('onResponse', (request, _reply, done) => {
  served.push(performance.now() - (started.get(request) ?? performance.now()));
  done();
});
const timingFile = process.env['OVERLOAD_TIMING_FILE'];
if (timingFile !== undefined) {
  const epoch = () => performance.timeOrigin + performance.now();
  const timings = new WeakMap<
    object,
    { arrived: number; handled?: number; sent?: number; success?: boolean }
  >();
  const lines: string[] = [];
  app.addHook('onRequest', (request, _reply, done) => {
    timings.set(request, { arrived: epoch() });
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const timing = timings.get(request);
    if (timing !== undefined) timing.handled = epoch();
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    const timing = timings.get(request);
    if (timing !== undefined) {
      timing.sent = epoch();
      timing.success = typeof payload === 'string' && payload.includes('"ResultCode":"Success"');
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const timing = timings.get(request);
    const devAddr = (request.body as { DevAddr?: string } | undefined)?.DevAddr ?? '-';
    if (timing !== undefined)
      lines.push(
        [
          devAddr,
          timing.success === true ? 1 : 0,
          timing.arrived,
          timing.handled ?? 0,
          timing.sent ?? 0,
          epoch(),
        ]
          .map((v) => (typeof v === 'number' ? v.toFixed(3) : v))
          .join(' '),
      );
    done();
  });
  process.on('SIGTERM', () => appendFileSync(timingFile, lines.join('\n') + '\n'));
}
const traceFile = process.env['OVERLOAD_TRACE_FILE'];
if (process.env['OVERLOAD_TRACE'] === '1' || traceFile !== undefined) {
  const startedAt = performance.now();
  setInterval(() => {
    const { admission } = handler;
    const line = JSON.stringify({
      ms: Math.round(performance.now() - startedAt),
      shedding: shedding ? 'on' : 'off',
      limit: admission.concurrencyLimit,
      inFlight: admission.inFlight,
      inFlightLimit: admission.inFlightLimit,
      standingQueue: admission.shedding,
      eventLoopDelayMs: Math.round(eventLoop.delayMs()),
    });
    if (traceFile === undefined) console.error(line);
    else appendFileSync(traceFile, `${line}\n`);
  }, 200).unref();
}
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }));
process.on('SIGTERM', () => {
  served.sort((a, b) => a - b);
  const p = (q: number) => Math.round(served[Math.floor(q * (served.length - 1))] ?? 0);
  console.error(
    JSON.stringify({
      served: served.length,
      server_p50_ms: p(0.5),
      server_p99_ms: p(0.99),
      max_event_loop_delay_ms: Math.round(maxDelay),
      cpu_ms: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    }),
  );
  eventLoop.stop();
  void app.close().finally(() => process.exit(0));
});
