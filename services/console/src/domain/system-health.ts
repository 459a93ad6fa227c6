export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  readonly name: string;
  readonly status: HealthStatus;
  readonly detail?: string;
  readonly latencyMs?: number;
}

export interface SystemHealth {
  readonly status: HealthStatus;
  readonly components: readonly ComponentHealth[];
}

/** What the health check asks the services behind the console; each answer within `timeoutMs`. */
export interface HealthProbes {
  /** Claims' own checks (its store, keys, the bus), asked to finish within `timeoutMs`. */
  claims(timeoutMs: number): Promise<readonly ComponentHealth[]>;
  /** A cheap billing call; undefined: this console has no billing. */
  billing: ((timeoutMs: number) => Promise<void>) | undefined;
}

export const defaultHealthTimeoutMs = 1000;
/** Claims' inner checks get this share of the console's bound, so claims answers before the console gives up. */
const innerShare = 0.7;
/** What claims checks and reports (absent from the answer when claims does not answer). */
const claimsComponents = ['store', 'keys', 'bus'] as const;

class TimedOut extends Error {}

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

const worded = (err: unknown, timeoutMs: number, unreachable: string) =>
  err instanceof TimedOut ? `no answer within ${timeoutMs} ms` : unreachable;

/**
 * Every component, each bounded by `timeoutMs`, checked at once: the answer comes within about `timeoutMs` however
 * many are down. Overall `down` when claims (which every call needs) is down, `degraded` when anything else is not
 * `ok`. Details are worded here: no error text, stack or secret of a failed call reaches the answer.
 */
export async function checkSystemHealth(
  probes: HealthProbes,
  timeoutMs = defaultHealthTimeoutMs,
): Promise<SystemHealth> {
  const elapsed = (started: number) => Math.round(performance.now() - started);
  const claims = (async (): Promise<ComponentHealth[]> => {
    const started = performance.now();
    try {
      const inner = await within(timeoutMs, () => probes.claims(Math.floor(timeoutMs * innerShare)));
      return [
        { name: 'claims', status: 'ok', latencyMs: elapsed(started) },
        ...inner.filter((c) => (claimsComponents as readonly string[]).includes(c.name)),
      ];
    } catch (err) {
      return [
        {
          name: 'claims',
          status: 'down',
          detail: worded(err, timeoutMs, 'the claims service is not reachable'),
          latencyMs: elapsed(started),
        },
        ...claimsComponents.map((name): ComponentHealth => ({
          name,
          status: 'down',
          detail: 'not checked: the claims service did not answer',
        })),
      ];
    }
  })();
  const billing = (async (): Promise<ComponentHealth> => {
    const probe = probes.billing;
    if (probe === undefined)
      return { name: 'billing', status: 'down', detail: 'billing is not configured on this console' };
    const started = performance.now();
    try {
      await within(timeoutMs, () => probe(timeoutMs));
      return { name: 'billing', status: 'ok', latencyMs: elapsed(started) };
    } catch (err) {
      return {
        name: 'billing',
        status: 'down',
        detail: worded(err, timeoutMs, 'the billing service is not reachable'),
        latencyMs: elapsed(started),
      };
    }
  })();
  const [fromClaims, billingHealth] = await Promise.all([claims, billing]);
  const components: ComponentHealth[] = [
    { name: 'console', status: 'ok', detail: 'serving the API' },
    ...fromClaims.slice(0, 1),
    billingHealth,
    ...fromClaims.slice(1),
  ];
  const status: HealthStatus = components.some((c) => c.name === 'claims' && c.status === 'down')
    ? 'down'
    : components.every((c) => c.status === 'ok')
      ? 'ok'
      : 'degraded';
  return { status, components };
}
