import { performance } from 'node:perf_hooks';

export interface EventLoopDelaySampler {
  /** How far behind the event loop is, in ms: the lesser lateness of the last two timer ticks. */
  delayMs(): number;
  stop(): void;
}

/**
 * Measures event-loop delay with a timer every `intervalMs`: how late it fires is how long everything else queued in
 * the loop (TLS, HTTP parsing, gRPC answers) waits. Read at each request's arrival for admission (`Admission`). The
 * lesser of the last two ticks is reported, so that one long synchronous task (a key generation, a GC pause) is not
 * taken for work piling up; a loop that stays behind makes every tick late.
 */
export function startEventLoopDelaySampler(intervalMs = 10): EventLoopDelaySampler {
  let expected = performance.now() + intervalMs;
  let last = 0;
  let previous = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    previous = last;
    last = Math.max(0, now - expected);
    expected = now + intervalMs;
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref();
  return {
    delayMs: () => Math.min(last, previous),
    stop: () => clearTimeout(timer),
  };
}
