import { timestampDate, timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { Client } from '@joinery/grpc';
import type { BillingService, Charge, InvoiceTotal } from '@joinery/proto/billing/v1/billing_pb';
import type { BillingQueries, ChargeView } from '../../domain/ports.js';

const isoOf = (ts: Timestamp | undefined) =>
  (ts === undefined ? new Date(0) : timestampDate(ts)).toISOString();
const periodOf = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}`;
const totalView = (t: InvoiceTotal) => ({ currency: t.currency, totalMinor: Number(t.totalMinor) });
const issueView = (i: { number: string; issuedAt?: Timestamp | undefined }) => ({
  number: i.number === '' ? null : i.number,
  status: i.number === '' ? ('draft' as const) : ('issued' as const),
  issuedAt: i.issuedAt === undefined ? null : isoOf(i.issuedAt),
});

const chargeView = (c: Charge): ChargeView => ({
  devEui: c.devEui,
  accountId: c.accountId,
  amountMinor: Number(c.amountMinor),
  currency: c.currency,
  chargedAt: c.chargedAt === undefined ? new Date(0).toISOString() : timestampDate(c.chargedAt).toISOString(),
});

/** The console's billing port over the billing service's gRPC API (in-process or remote); follows every page. */
export function billingQueriesOf(billing: Client<typeof BillingService>): BillingQueries {
  return {
    async listCharges(query) {
      const charges: ChargeView[] = [];
      let pageToken = '';
      do {
        const page = await billing.listCharges({
          accountId: query.accountId ?? '',
          ...(query.from === undefined ? {} : { from: timestampFromMs(query.from) }),
          ...(query.to === undefined ? {} : { to: timestampFromMs(query.to) }),
          pageSize: 1000,
          pageToken,
        });
        charges.push(...page.charges.map(chargeView));
        pageToken = page.nextPageToken;
      } while (pageToken !== '');
      return charges;
    },
    async invoice(accountId, year, month, options) {
      const invoice = await billing.getInvoice({ accountId, year, month, includePdf: options?.pdf === true });
      return {
        ...issueView(invoice),
        issuer: {
          name: invoice.issuer?.name ?? '',
          address: invoice.issuer?.address ?? '',
          taxId: invoice.issuer?.taxId ?? '',
          email: invoice.issuer?.email ?? '',
        },
        accountId: invoice.accountId,
        period: periodOf(invoice.year, invoice.month),
        periodStart: new Date(Date.UTC(invoice.year, invoice.month - 1, 1)).toISOString(),
        periodEnd: new Date(Date.UTC(invoice.year, invoice.month, 1)).toISOString(),
        lines: invoice.lines.map((l) => ({
          description: l.description,
          devEui: l.devEui,
          quantity: l.quantity,
          unitMinor: Number(l.unitMinor),
          amountMinor: Number(l.amountMinor),
          currency: l.currency,
          chargedAt: isoOf(l.chargedAt),
        })),
        totals: invoice.totals.map(totalView),
        charges: invoice.charges.map(chargeView),
        totalMinor: Number(invoice.totalMinor),
        currency: invoice.currency,
        csv: invoice.csv,
        ...(invoice.pdf.length === 0 ? {} : { pdf: invoice.pdf }),
      };
    },
    async listInvoices(accountId) {
      const { invoices } = await billing.listInvoices({ accountId: accountId ?? '' });
      return invoices.map((i) => ({
        ...issueView(i),
        accountId: i.accountId,
        period: periodOf(i.year, i.month),
        totals: i.totals.map(totalView),
        lineCount: i.lineCount,
      }));
    },
    async ping(timeoutMs) {
      // One charge of one account no one has: an index read, whatever the ledger holds.
      await billing.listCharges({ accountId: 'system-health', pageSize: 1, pageToken: '' }, { timeoutMs });
    },
  };
}
