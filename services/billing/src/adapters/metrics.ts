import { Counter, type Registry } from 'prom-client';
import type { ChargeCounters } from '../domain/charge-join-events.js';

/** Prometheus counters of the charging step. */
export function billingMetrics(registry: Registry): ChargeCounters {
  const recorded = new Counter({
    name: 'joinery_billing_charges_recorded_total',
    help: 'Activation charges recorded (one per device, ever)',
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'joinery_billing_duplicates_ignored_total',
    help: 'Accepted joins of devices already charged (later joins, redeliveries)',
    registers: [registry],
  });
  const parked = new Counter({
    name: 'joinery_billing_parked_total',
    help: 'Join events parked instead of charged, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  return {
    recorded: () => recorded.inc(),
    duplicate: () => duplicates.inc(),
    parked: (reason) => parked.inc({ reason }),
  };
}
