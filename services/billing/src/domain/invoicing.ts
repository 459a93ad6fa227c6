import {
  buildInvoice,
  formatInvoiceNumber,
  monthRange,
  periodOf,
  type Invoice,
  type InvoiceIssue,
  type InvoiceIssuer,
} from './invoice.js';
import type { ChargeCursor, ChargeRecord } from './model.js';
import type { ChargeLedger, Clock } from './ports.js';

export interface InvoicingConfig {
  readonly issuer: InvoiceIssuer;
  /** `INV-`: numbers are the prefix and the issuer's sequence number. */
  readonly numberPrefix: string;
}

export const defaultInvoicing: InvoicingConfig = {
  issuer: { name: 'Joinery', address: '', taxId: '', email: '' },
  numberPrefix: 'INV-',
};

/** Every charge of a query, following the ledger's pages. */
async function allCharges(
  ledger: ChargeLedger,
  query: { accountId?: string; from?: number; to?: number },
): Promise<ChargeRecord[]> {
  const charges: ChargeRecord[] = [];
  let after: ChargeCursor | undefined;
  for (;;) {
    const page = await ledger.list({ ...query, limit: 1000, ...(after === undefined ? {} : { after }) });
    charges.push(...page.charges);
    const last = page.charges[page.charges.length - 1];
    if (!page.more || last === undefined) return charges;
    after = last;
  }
}

/**
 * Invoices as documents: one per account and calendar month (UTC) with charges. A month that is over gets its number
 * the first time its invoice is asked for (read or listed), the next of the issuer's sequence, and keeps it with its
 * date and issuer: a later change of the issuer's configuration (its name, address or number prefix) changes the
 * invoices issued from then on, never one already issued. Until then, and for a month without charges, the invoice is
 * a draft without a number.
 */
export function invoicing(deps: {
  ledger: ChargeLedger;
  clock: Clock;
  config: InvoicingConfig;
  defaultCurrency: string;
}) {
  const { ledger, clock, config } = deps;

  async function issueOf(
    accountId: string,
    year: number,
    month: number,
    charges: readonly ChargeRecord[],
  ): Promise<InvoiceIssue> {
    const { to } = monthRange(year, month);
    if (charges.length === 0 || clock.now() < to)
      return { number: null, issuedAt: null, issuer: config.issuer };
    const key = `${accountId}/${periodOf(year, month)}`;
    const kept = await ledger.invoiceIssue(key);
    if (kept !== undefined) return kept;
    const sequence = await ledger.invoiceNumber(config.issuer.name, key);
    return ledger.keepInvoiceIssue(key, {
      number: formatInvoiceNumber(config.numberPrefix, sequence),
      issuedAt: to,
      issuer: config.issuer,
    });
  }

  return {
    async invoice(accountId: string, year: number, month: number): Promise<Invoice> {
      const { from, to } = monthRange(year, month);
      const charges = await allCharges(ledger, { accountId, from, to });
      const issue = await issueOf(accountId, year, month, charges);
      return buildInvoice(accountId, year, month, charges, deps.defaultCurrency, issue);
    },

    /**
     * Every invoice of one account (or of all), newest month first, then by account; months that are over are numbered oldest first,
     * so a first listing numbers them in the order they were billed.
     */
    async list(accountId: string | undefined): Promise<Invoice[]> {
      const charges = await allCharges(ledger, accountId === undefined ? {} : { accountId });
      const groups = new Map<
        string,
        { accountId: string; year: number; month: number; charges: ChargeRecord[] }
      >();
      for (const c of charges) {
        const at = new Date(c.chargedAt);
        const [year, month] = [at.getUTCFullYear(), at.getUTCMonth() + 1];
        const key = `${periodOf(year, month)}\u0000${c.accountId}`;
        const group = groups.get(key) ?? { accountId: c.accountId, year, month, charges: [] };
        group.charges.push(c);
        groups.set(key, group);
      }
      const ordered = [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, g]) => g);
      const invoices: Invoice[] = [];
      for (const g of ordered) {
        const issue = await issueOf(g.accountId, g.year, g.month, g.charges);
        invoices.push(buildInvoice(g.accountId, g.year, g.month, g.charges, deps.defaultCurrency, issue));
      }
      // Newest month first; within a month, by account.
      return invoices.sort((a, b) => b.year * 12 + b.month - (a.year * 12 + a.month));
    },
  };
}
