export { buildBillingApp } from './app.js';
export type { BillingApp, BillingAppDeps } from './app.js';
export { billingConfigSchema, invoicingOf } from './config.js';
export type { BillingConfig } from './config.js';
export { billingErrors } from './domain/errors.js';
export {
  billingTopic,
  chargeJoinEvents,
  chargeRecordedEvent,
  joinsTopic,
} from './domain/charge-join-events.js';
export type { ChargeCounters, FeeConfig } from './domain/charge-join-events.js';
export { buildInvoice, formatInvoiceNumber, monthRange } from './domain/invoice.js';
export type { Invoice, InvoiceIssuer, InvoiceLine, InvoiceTotal } from './domain/invoice.js';
export type { InvoicingConfig } from './domain/invoicing.js';
export { renderInvoicePdf, formatMoney } from './adapters/pdf/invoice-pdf.js';
export type { ChargeQuery, ChargeRecord, ParkedRecord } from './domain/model.js';
export type { ChargeLedger, Clock } from './domain/ports.js';
export { createMemoryLedger } from './adapters/memory/memory-ledger.js';
export { createLmdbLedger } from './adapters/embedded/lmdb-ledger.js';
export { createRedisLedger } from './adapters/redis/redis-ledger.js';
export { startBillingService } from './service.js';
export type { RunningBillingService } from './service.js';
