import { timedCheck, type ComponentHealth } from '@joinery/health';
import { requireAdmin, type ClaimsContext } from './context.js';
import type { Principal } from './model.js';

export type { ComponentHealth, HealthStatus } from '@joinery/health';

/** Key custody events older than this, still unpublished, make the bus `degraded`. */
export const busLagDegradedMs = 60_000;
export const defaultCheckTimeoutMs = 1000;

/** Claims' own dependencies: its store (a read of the CA record), the keys service and its event outbox. */
export class Health {
  constructor(private readonly ctx: ClaimsContext) {}

  async check(principal: Principal, timeoutMs = defaultCheckTimeoutMs): Promise<ComponentHealth[]> {
    requireAdmin(principal);
    const { store, keys, clock } = this.ctx;
    const checks: Promise<ComponentHealth>[] = [
      timedCheck(
        'store',
        timeoutMs,
        async () => {
          await store.getCa();
        },
        'the claims store did not answer a read',
      ),
    ];
    if (keys.outboxBacklog === undefined)
      checks.push(Promise.resolve({ name: 'keys', status: 'ok', detail: 'in-process key custody' }));
    else {
      // One call answers both the keys and the bus check.
      const answer = keys.outboxBacklog(timeoutMs).catch(() => undefined);
      checks.push(
        timedCheck(
          'keys',
          timeoutMs,
          async () => {
            const b = await answer;
            if (b === undefined) throw new Error('unreachable');
            if (b.vault === 'not_serving')
              return {
                status: 'down',
                detail: 'keys service reachable, but its key vault failed its health check',
              };
            if (b.vault === 'serving')
              return { status: 'ok', detail: 'keys service and its key vault healthy' };
            return { status: 'ok', detail: 'keys service reachable (HSM status is not reported)' };
          },
          'the keys service is not reachable',
        ),
        timedCheck(
          'bus',
          timeoutMs,
          async () => {
            const b = await answer;
            if (b === undefined) throw new Error('unknown');
            const lagMs =
              b.oldestEventMs === undefined ? 0 : Math.max(0, clock.now().getTime() - b.oldestEventMs);
            const detail =
              b.events === 0
                ? 'keys event outbox empty'
                : `${b.events} keys events waiting for the bus, oldest ${Math.round(lagMs / 1000)} s`;
            return { status: lagMs > busLagDegradedMs ? 'degraded' : 'ok', detail };
          },
          'the keys event outbox could not be read',
        ),
      );
    }
    return Promise.all(checks);
  }
}
