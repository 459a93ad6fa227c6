export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  readonly name: string;
  readonly status: HealthStatus;
  readonly detail?: string;
  readonly latencyMs?: number;
}

class TimedOut extends Error {}

/** `work`, or a `TimedOut` after `ms` (the timer is cleared either way). */
async function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The outcome of one check bounded by `timeoutMs`: `ok` (or what `work` returns) with its latency, or `down` with a
 * worded detail (`no answer within … ms`, else `failure`), never the error's text.
 */
export async function timedCheck(
  name: string,
  timeoutMs: number,
  work: () => Promise<Omit<ComponentHealth, 'name' | 'latencyMs'> | void>,
  failure: string,
): Promise<ComponentHealth> {
  const started = performance.now();
  try {
    const found = await within(timeoutMs, work);
    return { name, status: 'ok', ...(found ?? {}), latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      name,
      status: 'down',
      detail: err instanceof TimedOut ? `no answer within ${timeoutMs} ms` : failure,
      latencyMs: Math.round(performance.now() - started),
    };
  }
}
