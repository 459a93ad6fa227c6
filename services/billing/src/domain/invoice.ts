import { csvRow } from './csv.js';
import type { ChargeRecord } from './model.js';

/** Who issues the invoices: the operator of this installation (JOINERY_INVOICE_ISSUER_*). */
export interface InvoiceIssuer {
  readonly name: string;
  /** Lines separated by newlines; empty when not configured. */
  readonly address: string;
  readonly taxId: string;
  readonly email: string;
}

/** One line: one device's activation. */
export interface InvoiceLine {
  readonly description: string;
  readonly devEui: string;
  readonly quantity: number;
  readonly unitMinor: number;
  readonly amountMinor: number;
  readonly currency: string;
  /** Unix ms. */
  readonly chargedAt: number;
}

export interface InvoiceTotal {
  readonly currency: string;
  readonly totalMinor: number;
}

/** What makes an invoice a document: its number and date once issued, and who issues it. */
export interface InvoiceIssue {
  /** `INV-000042`; null for a draft (the month is not over, or it has no charges). */
  readonly number: string | null;
  /** The invoice date (Unix ms): the first instant after its month; null for a draft. */
  readonly issuedAt: number | null;
  readonly issuer: InvoiceIssuer;
}

/** An issued invoice's number, date and issuer, kept as they were first given (`ChargeLedger.keepInvoiceIssue`). */
export interface IssuedInvoice extends InvoiceIssue {
  readonly number: string;
  readonly issuedAt: number;
}

export interface Invoice extends InvoiceIssue {
  readonly accountId: string;
  readonly year: number;
  readonly month: number;
  readonly charges: readonly ChargeRecord[];
  readonly lines: readonly InvoiceLine[];
  /** One per currency, in the order they first appear; one zero total in the default currency when empty. */
  readonly totals: readonly InvoiceTotal[];
  readonly totalMinor: number;
  readonly currency: string;
  readonly csv: string;
}

const draft: InvoiceIssue = {
  number: null,
  issuedAt: null,
  issuer: { name: 'Joinery', address: '', taxId: '', email: '' },
};

/** `YYYY-MM`. */
export const periodOf = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`;

/** The invoice number as printed: the issuer's prefix and the sequence number, six digits at least. */
export const formatInvoiceNumber = (prefix: string, sequence: number) =>
  `${prefix}${String(sequence).padStart(6, '0')}`;

/** The calendar month in UTC as [from, to) Unix ms. */
export function monthRange(year: number, month: number): { from: number; to: number } {
  return { from: Date.UTC(year, month - 1, 1), to: Date.UTC(year, month, 1) };
}

/**
 * The CSV's columns: the charge, then the invoice it is on. Every row carries the invoice's number, date, period and
 * issuer, so a row filed alone (or CSVs of several invoices concatenated) still says which invoice it belongs to;
 * the first six columns are those of the CSV before it carried them.
 */
export const invoiceCsvHeader = [
  'devEui',
  'accountId',
  'amountMinor',
  'currency',
  'chargedAt',
  'joinEventId',
  'invoiceNumber',
  'invoiceDate',
  'period',
  'issuerName',
  'issuerAddress',
  'issuerTaxId',
  'issuerEmail',
] as const;

/**
 * The invoice of one account for one month. Charges in several currencies (the fee's currency changed mid-month)
 * are totalled per currency on separate lines; `totalMinor` and `currency` then describe the first.
 */
export function buildInvoice(
  accountId: string,
  year: number,
  month: number,
  charges: readonly ChargeRecord[],
  defaultCurrency: string,
  issue: InvoiceIssue = draft,
): Invoice {
  const totals = new Map<string, number>();
  for (const c of charges) totals.set(c.currency, (totals.get(c.currency) ?? 0) + c.amountMinor);
  if (totals.size === 0) totals.set(defaultCurrency, 0);
  const [currency, totalMinor] = [...totals][0] as [string, number];
  const { issuer } = issue;
  const document = [
    issue.number ?? '',
    issue.issuedAt === null ? '' : new Date(issue.issuedAt).toISOString().slice(0, 10),
    periodOf(year, month),
    issuer.name,
    issuer.address,
    issuer.taxId,
    issuer.email,
  ];
  const lines = [
    invoiceCsvHeader.join(','),
    ...charges.map((c) =>
      csvRow([
        c.devEui,
        c.accountId,
        String(c.amountMinor),
        c.currency,
        new Date(c.chargedAt).toISOString(),
        c.joinEventId,
        ...document,
      ]),
    ),
    ...[...totals].map(([cur, total]) =>
      csvRow(['total', accountId, String(total), cur, '', '', ...document]),
    ),
  ];
  const invoiceLines = charges.map((c) => ({
    description: `Activation of device ${c.devEui}`,
    devEui: c.devEui,
    quantity: 1,
    unitMinor: c.amountMinor,
    amountMinor: c.amountMinor,
    currency: c.currency,
    chargedAt: c.chargedAt,
  }));
  return {
    ...issue,
    accountId,
    year,
    month,
    charges,
    lines: invoiceLines,
    totals: [...totals].map(([cur, total]) => ({ currency: cur, totalMinor: total })),
    totalMinor,
    currency,
    csv: `${lines.join('\n')}\n`,
  };
}
