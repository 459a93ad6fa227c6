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

export interface InvoiceView {
  readonly accountId: string;
  /** `YYYY-MM`. */
  readonly period: string;
  readonly charges: readonly ChargeView[];
  readonly totalMinor: number;
  readonly currency: string;
  readonly csv: string;
}

/**
 * What the console asks billing. The console decides who may see what (owners their own account, the admin all);
 * the port only answers.
 */
export interface BillingQueries {
  /** `accountId` undefined: every account. `from`/`to` in Unix ms, `to` exclusive. */
  listCharges(query: { accountId?: string; from?: number; to?: number }): Promise<ChargeView[]>;
  invoice(accountId: string, year: number, month: number): Promise<InvoiceView>;
}
