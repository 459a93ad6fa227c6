import type { Client } from '@joinery/grpc';
import type { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';

export type ClaimsClient = Client<typeof ClaimsService>;

/** One charge as the REST API shows it (PRODUCT: `GET /api/v1/billing/charges`). */
export interface ChargeView {
  readonly devEui: string;
  readonly accountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** ISO 8601. */
  readonly chargedAt: string;
}

export interface InvoiceIssuerView {
  readonly name: string;
  readonly address: string;
  readonly taxId: string;
  readonly email: string;
}

export interface InvoiceLineView {
  readonly description: string;
  readonly devEui: string;
  readonly quantity: number;
  readonly unitMinor: number;
  readonly amountMinor: number;
  readonly currency: string;
  /** ISO 8601. */
  readonly chargedAt: string;
}

export interface InvoiceTotalView {
  readonly currency: string;
  readonly totalMinor: number;
}

export interface InvoiceView {
  /** Null for a draft (the month is not over, or has no charges). */
  readonly number: string | null;
  readonly status: 'draft' | 'issued';
  /** ISO 8601; null for a draft. */
  readonly issuedAt: string | null;
  readonly issuer: InvoiceIssuerView;
  readonly accountId: string;
  /** `YYYY-MM`. */
  readonly period: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly lines: readonly InvoiceLineView[];
  readonly totals: readonly InvoiceTotalView[];
  readonly charges: readonly ChargeView[];
  readonly totalMinor: number;
  readonly currency: string;
  readonly csv: string;
  /** Only when asked for (`pdf: true`). */
  readonly pdf?: Uint8Array;
}

export interface InvoiceSummaryView {
  readonly number: string | null;
  readonly status: 'draft' | 'issued';
  readonly issuedAt: string | null;
  readonly accountId: string;
  readonly period: string;
  readonly totals: readonly InvoiceTotalView[];
  readonly lineCount: number;
}

/**
 * What the console asks billing. The console decides who may see what (owners their own account, the admin all);
 * the port only answers.
 */
export interface BillingQueries {
  /** `accountId` undefined: every account. `from`/`to` in Unix ms, `to` exclusive. */
  listCharges(query: { accountId?: string; from?: number; to?: number }): Promise<ChargeView[]>;
  invoice(accountId: string, year: number, month: number, options?: { pdf?: boolean }): Promise<InvoiceView>;
  /** Newest month first. `accountId` undefined: every account. */
  listInvoices(accountId: string | undefined): Promise<InvoiceSummaryView[]>;
  /** A cheap call that billing answers when it is up (the system health check); absent: not checked. */
  ping?(timeoutMs: number): Promise<void>;
}
