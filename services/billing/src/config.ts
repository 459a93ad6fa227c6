import { FieldError, int, list, oneOf, port, string, url, type ConfigOf } from '@joinery/config';
import { kafkaConsumerSettings } from '@joinery/bus';
import type { InvoicingConfig } from './domain/invoicing.js';

const currencyField = string('JOINERY_BILLING_CURRENCY', { default: 'USD' });

/** The billing service's one configuration schema (env `JOINERY_*`). */
export const billingConfigSchema = {
  grpcAddress: string('JOINERY_BILLING_GRPC_ADDRESS', { default: '127.0.0.1:7403' }),
  /** The one-time activation fee in minor units of the currency (20 = 0.20 USD). */
  amountMinor: int('JOINERY_BILLING_AMOUNT_MINOR', { default: 20, min: 0, max: 100_000_000 }),
  /** ISO 4217 code of the fee. */
  currency: {
    ...currencyField,
    expects: 'an ISO 4217 currency code (three capital letters)',
    parse: (raw: string) => (/^[A-Z]{3}$/.test(raw) ? raw : new FieldError('not an ISO 4217 currency code')),
  },
  dataDir: string('JOINERY_DATA_DIR', { default: './data' }),
  logLevel: oneOf('JOINERY_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'], { default: 'info' }),
  /** Redis ledger (distributed mode); without it the LMDB ledger in JOINERY_DATA_DIR/billing. */
  redisUrl: url('JOINERY_REDIS_URL', { optional: true, protocols: ['redis:', 'rediss:', 'redis-cluster:'] }),
  /** Kafka: consumer group `joinery-billing` on joinery.joins.v1; without it no events are consumed. */
  kafkaBrokers: list('JOINERY_KAFKA_BROKERS', { optional: true }),
  kafkaGroup: string('JOINERY_BILLING_KAFKA_GROUP', { default: 'joinery-billing' }),
  /** The consumer's fetch and commit batching (libs/bus `kafkaConsumerSettings`). */
  ...kafkaConsumerSettings,
  /** Topic names, for operators that prefix them per environment. */
  joinsTopic: string('JOINERY_BILLING_JOINS_TOPIC', { default: 'joinery.joins.v1' }),
  billingTopic: string('JOINERY_BILLING_EVENTS_TOPIC', { default: 'joinery.billing.v1' }),
  /** Who issues the invoices (printed on every invoice); the number sequence is per issuer name. */
  invoiceIssuerName: string('JOINERY_INVOICE_ISSUER_NAME', { default: 'Joinery' }),
  /** Postal address; `\n` (backslash n) separates lines. */
  invoiceIssuerAddress: string('JOINERY_INVOICE_ISSUER_ADDRESS', { default: '' }),
  invoiceIssuerTaxId: string('JOINERY_INVOICE_ISSUER_TAX_ID', { default: '' }),
  invoiceIssuerEmail: string('JOINERY_INVOICE_ISSUER_EMAIL', { default: '' }),
  /** Invoice numbers are this prefix and a sequence number: INV-000001, INV-000002, … */
  invoiceNumberPrefix: {
    ...string('JOINERY_INVOICE_NUMBER_PREFIX', { default: 'INV-' }),
    expects: 'letters, digits and -_/. (at most 16)',
    parse: (raw: string) =>
      /^[A-Za-z0-9_./-]{0,16}$/.test(raw) ? raw : new FieldError('letters, digits and -_/. only, at most 16'),
  },
  /** Prometheus metrics (`/metrics`); off unless set. */
  metricsPort: port('JOINERY_BILLING_METRICS_PORT', { optional: true }),
};

export type BillingConfig = ConfigOf<typeof billingConfigSchema>;

/** The issuer and numbering of invoices, from the configuration. */
export function invoicingOf(config: BillingConfig): InvoicingConfig {
  return {
    issuer: {
      name: config.invoiceIssuerName,
      address: config.invoiceIssuerAddress.replace(/\\n/g, '\n'),
      taxId: config.invoiceIssuerTaxId,
      email: config.invoiceIssuerEmail,
    },
    numberPrefix: config.invoiceNumberPrefix,
  };
}
