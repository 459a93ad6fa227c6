import { hexToBytes } from '@joinery/backend-interfaces';
import { parseTr005 } from '@joinery/lorawan';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import type { ClaimsClient } from '../../domain/ports.js';
import type { Principal } from '@joinery/proto/claims/v1/claims_pb';
import * as c from './claim-schemas.js';
import { parseCsvRows } from './csv-rows.js';
import { restErrorOf } from './http-status.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as s from './schemas.js';
import { deviceView } from './views.js';

interface ClaimRow {
  readonly devEui: string;
  readonly claimCode: string;
  readonly networkServerId?: string | undefined;
  readonly applicationServerId?: string | undefined;
}

type RowResult =
  | { row: number; devEui: string | null; status: 'claimed'; device: ReturnType<typeof deviceView> }
  | { row: number; devEui: string | null; status: 'failed'; error: { code: string; message: string } };

/**
 * Rows claimed at once. Each row is one ordinary claim (its own guess reservation, released when its code is right),
 * so a few in flight keep the per-account guess budget for what it is meant for: wrong codes.
 */
const bulkConcurrency = 8;

const csvColumns = ['devEui', 'claimCode', 'networkServerId', 'applicationServerId'];

function csvClaimRows(text: string): ClaimRow[] {
  const { header, rows } = parseCsvRows(text);
  const unknown = header.filter((h) => !csvColumns.includes(h));
  if (!header.includes('devEui') || !header.includes('claimCode') || unknown.length > 0)
    throw consoleErrors.invalid_request(
      { at: 'body', row: 0 },
      `the CSV header must be devEui,claimCode[,networkServerId,applicationServerId]` +
        (unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''),
    );
  if (rows.length === 0) throw consoleErrors.invalid_request({ at: 'body' }, 'the CSV has no rows');
  if (rows.length > c.maxBulkRows)
    throw consoleErrors.invalid_request({ at: 'body' }, `at most ${c.maxBulkRows} rows`);
  return rows.map((r) => ({
    devEui: r['devEui'] ?? '',
    claimCode: r['claimCode'] ?? '',
    networkServerId: r['networkServerId'] === '' ? undefined : r['networkServerId'],
    applicationServerId: r['applicationServerId'] === '' ? undefined : r['applicationServerId'],
  }));
}

async function claimRow(
  claims: ClaimsClient,
  principal: Principal,
  row: number,
  input: ClaimRow,
  defaults: { networkServerId?: string | undefined; applicationServerId?: string | undefined },
): Promise<RowResult> {
  const devEui = /^[0-9A-Fa-f]{16}$/.test(input.devEui) ? input.devEui.toUpperCase() : null;
  const refuse = (code: string, message: string): RowResult => ({
    row,
    devEui,
    status: 'failed',
    error: { code, message },
  });
  if (devEui === null) return refuse('invalid_request', `row ${row}: devEui must be 16 hex digits`);
  if (input.claimCode === '' || input.claimCode.length > 64)
    return refuse('invalid_request', `row ${row}: claimCode must be 1–64 characters`);
  const networkServerId = input.networkServerId ?? defaults.networkServerId ?? '';
  if (networkServerId === '')
    return refuse('invalid_request', `row ${row}: no networkServerId (in the row or for the whole bulk)`);
  try {
    const claimed = await claims.claim({
      principal,
      devEui: hexToBytes(devEui),
      claimCode: input.claimCode,
      networkServerId,
      applicationServerId: input.applicationServerId ?? defaults.applicationServerId ?? '',
    });
    return { row, devEui, status: 'claimed', device: deviceView(claimed.device) };
  } catch (err) {
    const rest = restErrorOf(err);
    if (rest.status >= 500) throw err;
    return { row, devEui, status: 'failed', error: rest.body.error };
  }
}

/** Claims many devices at once (JSON rows or CSV), each row on its own, and a device by its TR005 QR code. */
export const bulkClaimRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims, logger }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post<{ Body: c.BulkClaimJsonBody | string; Querystring: c.BulkClaimQuery }>(
    '/api/v1/claims/bulk',
    {
      schema: {
        operationId: 'bulkClaimDevices',
        description:
          'Claims up to 10 000 devices in one call, from JSON rows or CSV. Each row is independent and gets its own ' +
          'result (claimed, or failed with the error code and message); the answer counts both.',
        tags: ['claims'],
        summary:
          'Claim up to 10 000 devices from JSON rows or CSV; every row is claimed on its own and answered with ' +
          'its result (claimed, or failed with the error a single claim would get)',
        security: bearer,
        querystring: c.bulkClaimQuery,
        body: {
          content: {
            'application/json': { schema: c.bulkClaimJsonBody },
            'text/csv': { schema: c.bulkClaimCsvBody },
          },
        },
        response: {
          200: { description: 'One result per row, and the counts', ...c.bulkClaimResultSchema },
          429: s.errorSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body as typeof request.body | undefined;
      // No body at all (no Content-Type): the schema cannot say so, the route does.
      if (body === undefined || body === null)
        throw consoleErrors.invalid_request(
          { field: 'body' },
          'a body is required: JSON {rows:[…]} or text/csv with a header devEui,claimCode',
        );
      const rows = typeof body === 'string' ? csvClaimRows(body) : body.rows;
      const defaults =
        typeof body === 'string'
          ? request.query
          : {
              networkServerId: body.networkServerId ?? request.query.networkServerId,
              applicationServerId: body.applicationServerId ?? request.query.applicationServerId,
            };
      const results: RowResult[] = new Array<RowResult>(rows.length);
      let next = 0;
      const worker = async () => {
        while (next < rows.length) {
          const i = next;
          next += 1;
          results[i] = await claimRow(claims, principal, i + 1, rows[i] as ClaimRow, defaults);
        }
      };
      await Promise.all(Array.from({ length: Math.min(bulkConcurrency, rows.length) }, worker));
      const claimed = results.filter((r) => r.status === 'claimed').length;
      logger?.info({ rows: rows.length, claimed }, 'bulk claim');
      return { results, claimed, failed: rows.length - claimed };
    },
  );

  app.post<{ Body: c.QrClaimBody }>(
    '/api/v1/claims/qr',
    {
      schema: {
        operationId: 'claimDeviceByQrCode',
        description:
          'Claims the device a TR005 QR code names (`LW:D0:<JoinEUI>:<DevEUI>:…` with its OwnerToken, the claim code) ' +
          'and binds it to one of your network servers.',
        tags: ['claims'],
        summary:
          'Claim a device by its TR005 QR code (LW:D0:JoinEUI:DevEUI:ProfileID:O<claim code>): the OwnerToken is ' +
          'the claim code, and the JoinEUI must be the device’s',
        security: bearer,
        body: c.qrClaimBody,
        response: {
          201: { description: 'The claimed device', ...s.deviceSchema },
          429: s.errorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const code = parseTr005(request.body.qr);
      if (code.ownerToken === null)
        throw consoleErrors.invalid_request(
          { at: 'body/qr' },
          'the QR code carries no OwnerToken (O<claim code>): claim with the DevEUI and the printed claim code',
        );
      const claimed = await claims.claim({
        principal: principalOf(request),
        devEui: hexToBytes(code.devEui),
        joinEui: hexToBytes(code.joinEui),
        claimCode: code.ownerToken,
        networkServerId: request.body.networkServerId,
        applicationServerId: request.body.applicationServerId ?? '',
      });
      return reply.code(201).send(deviceView(claimed.device));
    },
  );
};
