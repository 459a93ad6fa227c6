import { timedCheck, type ComponentHealth, type HealthStatus } from '@joinery/health';

export type { ComponentHealth, HealthStatus } from '@joinery/health';

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

/**
 * Every component, each bounded by `timeoutMs`, checked at once: the answer comes within about `timeoutMs` however
 * many are down. Overall `down` when claims (which every call needs) is down, `degraded` when anything else is not
 * `ok`. Details are worded here: no error text, stack or secret of a failed call reaches the answer.
 */
export async function checkSystemHealth(
  probes: HealthProbes,
  timeoutMs = defaultHealthTimeoutMs,
): Promise<SystemHealth> {
  let inner: readonly ComponentHealth[] = [];
  const claims = timedCheck(
    'claims',
    timeoutMs,
    async () => {
      inner = await probes.claims(Math.floor(timeoutMs * innerShare));
    },
    'the claims service is not reachable',
  ).then((own): ComponentHealth[] =>
    own.status === 'ok'
      ? [own, ...inner.filter((c) => (claimsComponents as readonly string[]).includes(c.name))]
      : [
          own,
          ...claimsComponents.map((name): ComponentHealth => ({
            name,
            status: 'down',
            detail: 'not checked: the claims service did not answer',
          })),
        ],
  );
  const probe = probes.billing;
  const billing: Promise<ComponentHealth> =
    probe === undefined
      ? Promise.resolve({
          name: 'billing',
          status: 'down',
          detail: 'billing is not configured on this console',
        })
      : timedCheck('billing', timeoutMs, () => probe(timeoutMs), 'the billing service is not reachable');
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
