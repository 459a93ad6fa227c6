import { performance } from 'node:perf_hooks';

export interface EventLoopDelaySampler {
  /** How far behind the event loop is, in ms: the lateness of the last timer tick, or of the one overdue now. */
  delayMs(): number;
  stop(): void;
}

/**
 * Measures event-loop delay with a timer every `intervalMs`: how late it fires is how long everything else queued in
 * the loop (TLS, HTTP parsing, gRPC answers) waits. Read at each request's arrival for admission (`Admission`).
 */
export function startEventLoopDelaySampler(intervalMs = 10): EventLoopDelaySampler {
  let expected = performance.now() + intervalMs;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    last = Math.max(0, now - expected);
    expected = now + intervalMs;
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref();
  return {
    delayMs: () => Math.max(last, performance.now() - expected),
    stop: () => clearTimeout(timer),
  };
}
