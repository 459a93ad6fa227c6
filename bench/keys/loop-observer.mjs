// Loaded into a process with `node --import` (bench/keys/keys-phases.bench.ts): once a second, appends to
// $OBSERVE_FILE one JSON line with the process's CPU, event-loop utilisation and delay, GC pauses and heap. The delay
// monitor's timer wakes the process (every OBSERVE_RESOLUTION_MS, 20 unless set): a 1 ms resolution costs a wake-up,
// two syscalls and CPU every millisecond, which shows in the figures it observes.
import { appendFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.OBSERVE_FILE;
if (file !== undefined) {
  const delay = monitorEventLoopDelay({ resolution: Number(process.env.OBSERVE_RESOLUTION_MS ?? 20) });
  delay.enable();
  let gc = { ms: 0, count: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.ms += e.duration;
      gc.count += 1;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let cpu = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  setInterval(() => {
    const c = process.cpuUsage(cpu);
    const e = performance.eventLoopUtilization(elu);
    cpu = process.cpuUsage();
    elu = performance.eventLoopUtilization();
    const line = {
      t: Date.now(),
      cpuMs: (c.user + c.system) / 1000,
      elu: e.utilization,
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
      gcMs: gc.ms,
      gcCount: gc.count,
      gcMaxMs: gc.maxMs,
      heapMB: process.memoryUsage().heapUsed / 1e6,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    delay.reset();
    gc = { ms: 0, count: 0, maxMs: 0 };
  }, 1000).unref();
}
