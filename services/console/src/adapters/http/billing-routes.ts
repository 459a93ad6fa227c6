import { Scope, type Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import { chargesPage } from './charges-page.js';
import * as s from './schemas.js';

/**
 * Unix ms of an RFC 3339 date-time the schema let through. The schema admits a leap second (`23:59:60`), which
 * JavaScript dates cannot hold: that is a 400, not a NaN for the service behind.
 */
function instantOf(field: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw consoleErrors.invalid_request(
      { at: `querystring/${field}` },
      `querystring/${field} must be a date-time without a leap second`,
    );
  return ms;
}

/** Owners see their own account whatever they ask for; the admin sees `accountId`, or everything. */
const accountScope = (principal: Principal, requested: string | undefined): string | undefined =>
  principal.scope === Scope.ADMIN ? requested : principal.accountId;

/** Activation charges and monthly invoices (503 when billing is not part of this installation). */
export const billingRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, deps) => {
  const billing = () => {
    if (deps.billing === undefined) throw consoleErrors.billing_unavailable();
    return deps.billing;
  };

  app.get<{ Querystring: s.ChargesQuery }>(
    '/api/v1/billing/charges',
    {
      schema: {
        summary: 'One-time activation charges: an account its own, the admin all',
        security: bearer,
        querystring: s.chargesQuery,
        response: { 200: s.chargesSchema, 503: s.errorSchema, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const accountId = accountScope(principalOf(request), q.accountId);
      const charges = await billing().listCharges({
        ...(accountId === undefined ? {} : { accountId }),
        ...(q.from === undefined ? {} : { from: instantOf('from', q.from) }),
        ...(q.to === undefined ? {} : { to: instantOf('to', q.to) }),
      });
      return chargesPage(charges, q.cursor, q.limit);
    },
  );

  app.get<{ Params: s.InvoiceParams; Querystring: s.InvoiceQuery }>(
    '/api/v1/billing/invoices/:period',
    {
      schema: {
        summary: 'The invoice of one account for one calendar month (UTC), as JSON or CSV',
        security: bearer,
        params: s.invoiceParams,
        querystring: s.invoiceQuery,
        response: { 200: s.invoiceSchema, 503: s.errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const accountId = accountScope(principalOf(request), request.query.accountId);
      if (accountId === undefined || accountId === '')
        throw consoleErrors.invalid_request(
          { field: 'accountId' },
          'the admin must name the account of an invoice',
        );
      const [year, month] = request.params.period.split('-').map(Number) as [number, number];
      const invoice = await billing().invoice(accountId, year, month);
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="invoice-${accountId}-${invoice.period}.csv"`)
          .serializer((payload: unknown) => payload as string)
          .send(invoice.csv);
      const { csv: _csv, ...json } = invoice;
      return json;
    },
  );
};
