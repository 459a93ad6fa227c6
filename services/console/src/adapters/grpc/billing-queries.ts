import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Client } from '@joinery/grpc';
import type { BillingService, Charge } from '@joinery/proto/billing/v1/billing_pb';
import type { BillingQueries, ChargeView } from '../../domain/ports.js';

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
    async invoice(accountId, year, month) {
      const invoice = await billing.getInvoice({ accountId, year, month });
      return {
        accountId: invoice.accountId,
        period: `${invoice.year}-${String(invoice.month).padStart(2, '0')}`,
        charges: invoice.charges.map(chargeView),
        totalMinor: Number(invoice.totalMinor),
        currency: invoice.currency,
        csv: invoice.csv,
      };
    },
  };
}
