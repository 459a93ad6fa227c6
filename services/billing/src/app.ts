import type { BusHandler, BusRecord } from '@joinery/bus';
import type { ServiceImpl } from '@joinery/grpc';
import type { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import { Registry } from 'prom-client';
import { billingServiceImpl } from './adapters/grpc/billing-grpc.js';
import { billingMetrics } from './adapters/metrics.js';
import { chargeJoinEvents, type FeeConfig } from './domain/charge-join-events.js';
import type { InvoicingConfig } from './domain/invoicing.js';
import type { ChargeLedger, Clock, Logger } from './domain/ports.js';

export interface BillingAppDeps {
  readonly ledger: ChargeLedger;
  readonly logger: Logger;
  readonly config: FeeConfig;
  readonly clock?: Clock;
  /** Who issues invoices and how they are numbered (default: issuer "Joinery", numbers INV-000001, …). */
  readonly invoicing?: InvoicingConfig;
  /** Publishes ChargeRecorded events (joinery.billing.v1); absent: none. */
  readonly publish?: (records: readonly BusRecord[]) => Promise<void>;
  readonly registry?: Registry;
}

export interface BillingApp {
  /** The BillingService implementation: register it on a gRPC server or wrap it in an in-process client. */
  readonly service: ServiceImpl<typeof BillingService>;
  /** Bus handler for joinery.joins.v1: charges accepted joins once per DevEUI, parks undecodable records. */
  readonly handleJoinEvents: BusHandler;
  readonly registry: Registry;
  /** Closes the ledger (the app owns it once built). */
  close(): Promise<void>;
}

/** Wires the billing service from its ports. No listening, no environment: `main.ts` and the launcher do that. */
export async function buildBillingApp(deps: BillingAppDeps): Promise<BillingApp> {
  const logger = deps.logger.child({ component: 'billing' });
  const registry = deps.registry ?? new Registry();
  return {
    service: billingServiceImpl({
      ledger: deps.ledger,
      defaultCurrency: deps.config.currency,
      ...(deps.clock === undefined ? {} : { clock: deps.clock }),
      ...(deps.invoicing === undefined ? {} : { invoicing: deps.invoicing }),
    }),
    handleJoinEvents: chargeJoinEvents({
      ledger: deps.ledger,
      fee: deps.config,
      logger,
      clock: deps.clock ?? { now: () => Date.now() },
      counters: billingMetrics(registry),
      ...(deps.publish === undefined ? {} : { publish: deps.publish }),
    }),
    registry,
    close: () => deps.ledger.close(),
  };
}
