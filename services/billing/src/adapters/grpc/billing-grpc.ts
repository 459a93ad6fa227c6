import { timestampDate, timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@joinery/grpc';
import type { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import { billingErrors } from '../../domain/errors.js';
import type { Invoice } from '../../domain/invoice.js';
import { defaultInvoicing, invoicing, type InvoicingConfig } from '../../domain/invoicing.js';
import type { ChargeCursor, ChargeRecord } from '../../domain/model.js';
import type { ChargeLedger, Clock } from '../../domain/ports.js';
import { renderInvoicePdf } from '../pdf/invoice-pdf.js';

const chargeMessage = (c: ChargeRecord) => ({
  devEui: c.devEui,
  accountId: c.accountId,
  amountMinor: BigInt(c.amountMinor),
  currency: c.currency,
  chargedAt: timestampFromMs(c.chargedAt),
  joinEventId: c.joinEventId,
});

const msOf = (ts: Timestamp | undefined) => (ts === undefined ? undefined : timestampDate(ts).getTime());

/** Page tokens are opaque to callers: the cursor of the last charge returned. */
function encodeToken(c: ChargeCursor): string {
  return Buffer.from(JSON.stringify([c.chargedAt, c.devEui])).toString('base64url');
}

function decodeToken(token: string): ChargeCursor | undefined {
  if (token === '') return undefined;
  try {
    const [chargedAt, devEui] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
    ];
    if (typeof chargedAt === 'number' && typeof devEui === 'string') return { chargedAt, devEui };
  } catch {
    // Falls through to the error below.
  }
  throw billingErrors.invalid_page_token();
}

const pageSizeOf = (requested: number, max = 1000) => (requested === 0 ? 100 : Math.min(requested, max));

const totalsMessage = (invoice: Invoice) =>
  invoice.totals.map((t) => ({ currency: t.currency, totalMinor: BigInt(t.totalMinor) }));

export function billingServiceImpl(deps: {
  ledger: ChargeLedger;
  defaultCurrency: string;
  clock?: Clock;
  invoicing?: InvoicingConfig;
}): ServiceImpl<typeof BillingService> {
  const { ledger } = deps;
  const invoices = invoicing({
    ledger,
    clock: deps.clock ?? { now: () => Date.now() },
    config: deps.invoicing ?? defaultInvoicing,
    defaultCurrency: deps.defaultCurrency,
  });
  return {
    async listCharges(request) {
      const after = decodeToken(request.pageToken);
      const from = msOf(request.from);
      const to = msOf(request.to);
      const { charges, more } = await ledger.list({
        ...(request.accountId === '' ? {} : { accountId: request.accountId }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(after === undefined ? {} : { after }),
        limit: pageSizeOf(request.pageSize),
      });
      const last = charges[charges.length - 1];
      return {
        charges: charges.map(chargeMessage),
        nextPageToken: more && last !== undefined ? encodeToken(last) : '',
      };
    },
    async getCharge(request) {
      const charge = await ledger.get(request.devEui.toUpperCase());
      return charge === undefined ? {} : { charge: chargeMessage(charge) };
    },
    async getInvoice(request) {
      if (request.accountId === '') throw billingErrors.invalid_argument({ field: 'account_id' });
      if (request.month < 1 || request.month > 12 || request.year < 1970 || request.year > 9999)
        throw billingErrors.invalid_argument({ field: 'year_month' }, 'year and month (1–12) of the invoice');
      const invoice = await invoices.invoice(request.accountId, request.year, request.month);
      return {
        accountId: invoice.accountId,
        year: invoice.year,
        month: invoice.month,
        charges: invoice.charges.map(chargeMessage),
        totalMinor: BigInt(invoice.totalMinor),
        currency: invoice.currency,
        csv: invoice.csv,
        number: invoice.number ?? '',
        issuer: invoice.issuer,
        lines: invoice.lines.map((l) => ({
          description: l.description,
          devEui: l.devEui,
          quantity: l.quantity,
          unitMinor: BigInt(l.unitMinor),
          amountMinor: BigInt(l.amountMinor),
          currency: l.currency,
          chargedAt: timestampFromMs(l.chargedAt),
        })),
        totals: totalsMessage(invoice),
        ...(invoice.issuedAt === null ? {} : { issuedAt: timestampFromMs(invoice.issuedAt) }),
        ...(request.includePdf ? { pdf: await renderInvoicePdf(invoice) } : {}),
      };
    },
    async listInvoices(request) {
      const listed = await invoices.list(request.accountId === '' ? undefined : request.accountId);
      return {
        invoices: listed.map((invoice) => ({
          accountId: invoice.accountId,
          year: invoice.year,
          month: invoice.month,
          number: invoice.number ?? '',
          ...(invoice.issuedAt === null ? {} : { issuedAt: timestampFromMs(invoice.issuedAt) }),
          totals: totalsMessage(invoice),
          lineCount: invoice.lines.length,
        })),
      };
    },
    async listParked(request) {
      const parked = await ledger.listParked(pageSizeOf(request.limit));
      return {
        events: parked.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          offset: p.offset,
          key: p.key,
          reason: p.reason,
          parkedAt: timestampFromMs(p.parkedAt),
          size: p.size,
        })),
      };
    },
  };
}
