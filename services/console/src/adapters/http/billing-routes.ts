import { Scope, type Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import { chargesPage } from './charges-page.js';
import * as s from './schemas.js';
import { errorResponse } from './openapi.js';
import { instantOf } from './query-time.js';

const billingUnavailable = errorResponse(
  '`billing_unavailable`: billing is not part of this installation, or is not reachable',
);

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
        operationId: 'listCharges',
        tags: ['billing'],
        description:
          'Each device is charged once, at its first accepted join, to the account that owned it then. `from` inclusive, `to` exclusive.',
        summary: 'One-time activation charges: an account its own, the admin all',
        security: bearer,
        querystring: s.chargesQuery,
        response: {
          200: { description: 'The charges, oldest first', ...s.chargesSchema },
          503: billingUnavailable,
          ...errors,
        },
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

  app.get<{ Querystring: s.ListInvoicesQuery }>(
    '/api/v1/billing/invoices',
    {
      schema: {
        operationId: 'listInvoices',
        tags: ['billing'],
        summary: 'The invoices: an account its own, the admin all (or of accountId)',
        description:
          'One invoice per account and calendar month (UTC) with charges, newest month first. A month that is over ' +
          'is issued: it has its number (sequential per issuer) from the first time it is read or listed.',
        security: bearer,
        querystring: s.listInvoicesQuery,
        response: {
          200: { description: 'One page of invoices', ...s.invoiceListSchema },
          503: billingUnavailable,
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const accountId = accountScope(principalOf(request), q.accountId);
      const all = await billing().listInvoices(accountId === '' ? undefined : accountId);
      const limit = q.limit === undefined ? 50 : Math.min(Number(q.limit), 500);
      const keyOf = (i: { period: string; accountId: string }) => `${i.period}/${i.accountId}`;
      let start = 0;
      if (q.cursor !== undefined) {
        const after = cursorKey(q.cursor);
        start = all.findIndex((i) => keyOf(i) === after) + 1;
        if (start === 0)
          throw consoleErrors.invalid_request({ field: 'cursor' }, 'the cursor is not one of this list');
      }
      const items = all.slice(start, start + limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          start + limit < all.length && last !== undefined
            ? Buffer.from(keyOf(last)).toString('base64url')
            : null,
      };
    },
  );

  app.get<{ Params: s.InvoiceParams; Querystring: s.InvoiceQuery }>(
    '/api/v1/billing/invoices/:period',
    {
      schema: {
        operationId: 'getInvoice',
        tags: ['billing'],
        summary: 'The invoice of one account for one calendar month (UTC), as JSON, CSV or PDF',
        description:
          'The invoice document: number (once the month is over), issuer, period, one line per device activated, ' +
          'totals. `format=csv`: the lines as CSV; `format=pdf`: the document as PDF.',
        security: bearer,
        params: s.invoiceParams,
        querystring: s.invoiceQuery,
        response: {
          200: {
            description: 'The invoice',
            content: {
              'application/json': { schema: s.invoiceSchema },
              'text/csv': {
                schema: {
                  type: 'string',
                  description:
                    'header devEui,accountId,amountMinor,currency,chargedAt,joinEventId,invoiceNumber,invoiceDate,' +
                    'period,issuerName,issuerAddress,issuerTaxId,issuerEmail; one row per charge, then one total ' +
                    'row per currency (devEui `total`); every row names its invoice and issuer. Cells are RFC 4180 ' +
                    "quoted, and a cell starting with = + - @ (a spreadsheet formula) is prefixed with '",
                },
              },
              'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
            },
          },
          503: billingUnavailable,
          ...errors,
        },
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
      const format = request.query.format ?? 'json';
      const invoice = await billing().invoice(accountId, year, month, { pdf: format === 'pdf' });
      const name = `invoice-${invoice.number ?? `draft-${accountId}-${invoice.period}`}`.replace(
        /[^A-Za-z0-9._-]/g,
        '_',
      );
      if (format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .serializer((payload: unknown) => payload as string)
          .send(invoice.csv);
      if (format === 'pdf')
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${name}.pdf"`)
          .send(Buffer.from(invoice.pdf ?? new Uint8Array()));
      const { csv: _csv, pdf: _pdf, ...json } = invoice;
      return json;
    },
  );
};

/** The key a cursor stands for; anything that is not one is a 400. */
function cursorKey(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}\/./.test(key))
    throw consoleErrors.invalid_request({ field: 'cursor' }, 'the cursor is not one of this list');
  return key;
}
