import { performance } from 'node:perf_hooks';
import { processCpuTimeMs } from '../domain/admission.js';

export interface EventLoopDelaySampler {
  /** How far behind the event loop is, in ms: the lesser lateness of the last two timer ticks. */
  delayMs(): number;
  stop(): void;
}

export interface EventLoopDelayClocks {
  /** Wall time, ms; `performance.now` by default. */
  readonly now?: () => number;
  /** The process's CPU time, ms; `processCpuTimeMs` by default. */
  readonly cpuTimeMs?: () => number;
}

/**
 * Measures event-loop delay with a timer every `intervalMs`: how late it fires is how long everything else queued in
 * the loop (TLS, HTTP parsing, gRPC answers) waits. Read at each request's arrival for admission (`Admission`). The
 * lesser of the last two ticks is reported, so that one long synchronous task (a key generation, a GC pause) is not
 * taken for work piling up; a loop that stays behind makes every tick late.
 *
 * A tick counts as late by no more than the CPU time the process used since the one before: on a machine busy with
 * other processes the timer fires late while the process is not running at all, with no work of its own waiting, and
 * refusing requests for that would relieve nothing.
 */
export function startEventLoopDelaySampler(
  intervalMs = 10,
  clocks: EventLoopDelayClocks = {},
): EventLoopDelaySampler {
  const now = clocks.now ?? (() => performance.now());
  const cpuTimeMs = clocks.cpuTimeMs ?? processCpuTimeMs;
  let expected = now() + intervalMs;
  let cpuAtSchedule = cpuTimeMs();
  let last = 0;
  let previous = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const at = now();
    const cpu = cpuTimeMs();
    previous = last;
    last = Math.max(0, Math.min(at - expected, cpu - cpuAtSchedule));
    expected = at + intervalMs;
    cpuAtSchedule = cpu;
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
