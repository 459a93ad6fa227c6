import { create } from '@bufbuild/protobuf';
import { hexToBytes } from '@joinery/backend-interfaces';
import {
  AppSKeyDelivery,
  NetworkServerProduct,
  PeerKind,
  PrincipalSchema,
  Scope,
  type BatchKey,
  type Principal,
} from '@joinery/proto/claims/v1/claims_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { BatchKeySchema } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import type { BillingQueries, ClaimsClient } from '../../domain/ports.js';
import * as s from './schemas.js';
import { appSKeyDeliveryByName, deviceView, devNonceResetView, nonceStateView, peerView } from './views.js';

export interface ApiRoutesDeps {
  readonly claims: ClaimsClient;
  readonly billing?: BillingQueries;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const errors = {
  400: s.errorSchema,
  401: s.errorSchema,
  403: s.errorSchema,
  404: s.errorSchema,
  409: s.errorSchema,
};
const bearer = [{ bearer: [] }];

type KeyInput = string | { kekLabel: string; wrapped: string };
const batchKey = (key: KeyInput | undefined): MessageInitShape<typeof BatchKeySchema> | undefined =>
  key === undefined
    ? undefined
    : typeof key === 'string'
      ? { key: { case: 'hex', value: key } }
      : { key: { case: 'wrapped', value: { kekLabel: key.kekLabel, wrapped: key.wrapped } } };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

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

function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw consoleErrors.unauthenticated();
  return request.principal;
}

/** `/api/v1`: the PRODUCT.md management table, plus listing, invoices and `whoami` in the same style. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiRoutesDeps): void {
  const { claims } = deps;

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/') || request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (token === '') throw consoleErrors.unauthenticated();
    const { principal } = await claims.authenticate({ token });
    request.principal = principal ?? create(PrincipalSchema);
  });

  app.get(
    '/api/v1/whoami',
    { schema: { summary: 'The caller', security: bearer, response: { 200: s.whoAmISchema, ...errors } } },
    async (request) => {
      const principal = principalOf(request);
      return {
        accountId: principal.accountId === '' ? null : principal.accountId,
        scope: principal.scope === Scope.ADMIN ? 'admin' : 'owner',
      };
    },
  );

  app.post<{ Body: { name: string } }>(
    '/api/v1/accounts',
    {
      schema: {
        summary: 'Create an owner account (admin); its first API key is shown this once',
        security: bearer,
        body: s.createAccountBody,
        response: { 201: s.createdAccountSchema, ...errors },
      },
    },
    async (request, reply) => {
      const created = await claims.createAccount({
        principal: principalOf(request),
        name: request.body.name,
      });
      return reply
        .code(201)
        .send({ id: created.account?.id, name: created.account?.name, apiKey: created.apiKey });
    },
  );

  app.get(
    '/api/v1/accounts',
    {
      schema: {
        summary: 'List accounts (admin)',
        security: bearer,
        response: {
          200: {
            type: 'object',
            required: ['accounts'],
            properties: { accounts: { type: 'array', items: s.accountSchema } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { accounts } = await claims.listAccounts({ principal: principalOf(request) });
      return {
        accounts: accounts.map((a) => ({
          id: a.id,
          name: a.name,
          ...(a.createdAt === undefined
            ? {}
            : { createdAt: new Date(Number(a.createdAt.seconds) * 1000).toISOString() }),
        })),
      };
    },
  );

  app.post<{ Body: { label: string; key: string } }>(
    '/api/v1/transport-keks',
    {
      schema: {
        summary: "Register a manufacturer's transport KEK (admin) for wrapped root keys in device batches",
        security: bearer,
        body: s.transportKekBody,
        response: {
          201: { type: 'object', required: ['label'], properties: { label: { type: 'string' } } },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const registered = await claims.registerTransportKek({
        principal: principalOf(request),
        label: request.body.label,
        key: hexToBytes(request.body.key),
      });
      return reply.code(201).send({ label: registered.label });
    },
  );

  interface BatchBody {
    joinEui: string;
    manufacturer?: string;
    batchId?: string;
    csv?: string;
    devices?: {
      devEui: string;
      joinEui?: string;
      macVersion: string;
      nwkKey: KeyInput;
      appKey?: KeyInput;
      claimCode: string;
    }[];
  }
  app.post<{ Body: BatchBody }>(
    '/api/v1/device-batches',
    {
      schema: {
        summary: 'Import a batch of devices with their root keys and claim codes (admin); all or nothing',
        security: bearer,
        body: s.deviceBatchBody,
        response: { 201: s.importedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if ((body.devices === undefined) === (body.csv === undefined))
        throw consoleErrors.invalid_request({ field: 'devices' }, 'give exactly one of `devices` and `csv`');
      const imported = await claims.importBatch(
        {
          principal: principalOf(request),
          joinEui: body.joinEui,
          manufacturer: body.manufacturer ?? '',
          batchId: body.batchId ?? '',
          csv: body.csv ?? '',
          devices: (body.devices ?? []).map((d) => ({
            devEui: d.devEui,
            joinEui: d.joinEui ?? '',
            macVersion: d.macVersion,
            nwkKey: batchKey(d.nwkKey) as BatchKey,
            ...(d.appKey === undefined ? {} : { appKey: batchKey(d.appKey) as BatchKey }),
            claimCode: d.claimCode,
          })),
        },
        { timeoutMs: 600_000 },
      );
      return reply.code(201).send({ imported: imported.imported, batchId: imported.batchId });
    },
  );

  interface NsBody {
    name: string;
    netId: string;
    nsId?: string;
    kekLabel?: string;
    appSKeyDelivery?: keyof typeof appSKeyDeliveryByName;
    lifetime?: number;
    asyncUrl?: string;
    asyncCaPem?: string;
    plaintextNwkKeys?: boolean;
    product?: (typeof s.networkServerProducts)[number];
    accountId?: string;
  }
  const productByName: Readonly<Record<(typeof s.networkServerProducts)[number], NetworkServerProduct>> = {
    chirpstack: NetworkServerProduct.CHIRPSTACK,
    'the-things-stack': NetworkServerProduct.THE_THINGS_STACK,
    other: NetworkServerProduct.OTHER,
  };
  const productName = (p: NetworkServerProduct | undefined) =>
    s.networkServerProducts.find((name) => productByName[name] === p) ?? null;
  app.post<{ Body: NsBody }>(
    '/api/v1/network-servers',
    {
      schema: {
        summary:
          'Register a network server; its KEK, bearer token and client certificate are shown this once',
        security: bearer,
        body: s.networkServerBody,
        response: { 201: s.registeredNetworkServerSchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const registered = await claims.registerNetworkServer({
        principal: principalOf(request),
        name: b.name,
        netId: hexToBytes(b.netId),
        nsId: b.nsId === undefined ? new Uint8Array() : hexToBytes(b.nsId),
        kekLabel: b.kekLabel ?? '',
        // Left unspecified when not given: claims picks the default for the product (wrapped, or plaintext for ChirpStack).
        appSKeyDelivery:
          b.appSKeyDelivery === undefined
            ? AppSKeyDelivery.UNSPECIFIED
            : appSKeyDeliveryByName[b.appSKeyDelivery],
        lifetime: b.lifetime ?? 0,
        asyncUrl: b.asyncUrl ?? '',
        asyncCaPem: b.asyncCaPem ?? '',
        plaintextNwkKeys: b.plaintextNwkKeys ?? false,
        product: b.product === undefined ? NetworkServerProduct.UNSPECIFIED : productByName[b.product],
        accountId: b.accountId ?? '',
      });
      const peer = registered.peer;
      return reply.code(201).send({
        id: peer?.id,
        netId: hex(peer?.netId ?? new Uint8Array()),
        nsId: peer === undefined || peer.nsId.length === 0 ? null : hex(peer.nsId),
        appSKeyDelivery: peer === undefined ? null : peerView(peer).appSKeyDelivery,
        product: productName(peer?.product),
        kek: { label: registered.kek?.label, key: hex(registered.kek?.key ?? new Uint8Array()) },
        bearerToken: registered.bearerToken,
        credentials: registered.credentials,
        warnings: registered.warnings.map((w) => ({ code: w.code, message: w.message })),
      });
    },
  );

  app.post<{ Body: { name: string; asId: string; kekLabel?: string; accountId?: string } }>(
    '/api/v1/application-servers',
    {
      schema: {
        summary: 'Register an application server (AppSKeyReq); its KEK and credentials are shown this once',
        security: bearer,
        body: s.applicationServerBody,
        response: { 201: s.registeredApplicationServerSchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const registered = await claims.registerApplicationServer({
        principal: principalOf(request),
        name: b.name,
        asId: b.asId,
        kekLabel: b.kekLabel ?? '',
        accountId: b.accountId ?? '',
      });
      return reply.code(201).send({
        id: registered.peer?.id,
        asId: registered.peer?.asId,
        kek: { label: registered.kek?.label, key: hex(registered.kek?.key ?? new Uint8Array()) },
        bearerToken: registered.bearerToken,
        credentials: registered.credentials,
      });
    },
  );

  for (const [path, kind] of [
    ['/api/v1/network-servers', PeerKind.NETWORK_SERVER],
    ['/api/v1/application-servers', PeerKind.APPLICATION_SERVER],
  ] as const) {
    app.get<{ Querystring: { accountId?: string } }>(
      path,
      {
        schema: {
          summary: `List ${kind === PeerKind.NETWORK_SERVER ? 'network' : 'application'} servers (owners: their own)`,
          security: bearer,
          querystring: s.listPeersQuery,
          response: {
            200: {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: s.peerSchema } },
            },
            ...errors,
          },
        },
      },
      async (request) => {
        const { peers } = await claims.listPeers({
          principal: principalOf(request),
          accountId: request.query.accountId ?? '',
          kind,
        });
        return { items: peers.map(peerView) };
      },
    );
  }

  app.post<{
    Body: { devEui: string; claimCode: string; networkServerId: string; applicationServerId?: string };
  }>(
    '/api/v1/claims',
    {
      schema: {
        summary: 'Claim a device with its claim code and bind it to one of your network servers',
        security: bearer,
        body: s.claimBody,
        response: { 201: s.deviceSchema, 429: s.errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const claimed = await claims.claim({
        principal: principalOf(request),
        devEui: hexToBytes(b.devEui),
        claimCode: b.claimCode,
        networkServerId: b.networkServerId,
        applicationServerId: b.applicationServerId ?? '',
      });
      return reply.code(201).send(deviceView(claimed.device));
    },
  );

  app.delete<{ Params: { devEui: string } }>(
    '/api/v1/claims/:devEui',
    {
      schema: {
        summary: 'Unclaim a device: claimable again, and no network server can activate it',
        security: bearer,
        params: s.devEuiParams,
        response: { 204: { type: 'null', description: 'unclaimed' }, ...errors },
      },
    },
    async (request, reply) => {
      await claims.unclaim({ principal: principalOf(request), devEui: hexToBytes(request.params.devEui) });
      return reply.code(204).send();
    },
  );

  app.put<{ Params: { devEui: string }; Body: { networkServerId: string; applicationServerId?: string } }>(
    '/api/v1/devices/:devEui/network-server',
    {
      schema: {
        summary: 'Move a device to another of your network servers; the old one is refused from now on',
        security: bearer,
        params: s.devEuiParams,
        body: s.transferBody,
        response: { 200: s.deviceSchema, ...errors },
      },
    },
    async (request) => {
      const moved = await claims.transferDevice({
        principal: principalOf(request),
        devEui: hexToBytes(request.params.devEui),
        networkServerId: request.body.networkServerId,
        applicationServerId: request.body.applicationServerId ?? '',
      });
      return deviceView(moved.device);
    },
  );

  app.get<{ Params: { devEui: string } }>(
    '/api/v1/devices/:devEui',
    {
      schema: {
        summary: 'A device (its owner, or the admin)',
        security: bearer,
        params: s.devEuiParams,
        response: { 200: s.deviceSchema, ...errors },
      },
    },
    async (request) => {
      const found = await claims.getDevice({
        principal: principalOf(request),
        devEui: hexToBytes(request.params.devEui),
      });
      return deviceView(found.device);
    },
  );

  app.post<{ Params: { devEui: string }; Body: { reason: string } }>(
    '/api/v1/devices/:devEui/devnonce-resets',
    {
      schema: {
        summary:
          'Forget the DevNonces a device used, for a device that lost its counter (its owner, or the admin). ' +
          'Recorded with who and why; the JoinNonce is never reset. Old join-requests can be replayed afterwards.',
        security: bearer,
        params: s.devEuiParams,
        body: s.devNonceResetBody,
        response: { 201: s.devNonceResetSchema, ...errors },
      },
    },
    async (request, reply) => {
      const r = await claims.resetDevNonces({
        principal: principalOf(request),
        devEui: hexToBytes(request.params.devEui),
        reason: request.body.reason,
      });
      return reply.code(201).send(devNonceResetView(r.reset));
    },
  );

  app.get<{ Params: { devEui: string } }>(
    '/api/v1/devices/:devEui/nonces',
    {
      schema: {
        summary: "A device's DevNonce and JoinNonce state and its DevNonce resets (its owner, or the admin)",
        security: bearer,
        params: s.devEuiParams,
        response: { 200: s.nonceStateSchema, ...errors },
      },
    },
    async (request) => {
      const devEui = request.params.devEui.toUpperCase();
      const state = await claims.getNonceState({
        principal: principalOf(request),
        devEui: hexToBytes(devEui),
      });
      return nonceStateView(devEui, state);
    },
  );

  const roamingDescription =
    'Roaming agreements: network servers registered with one of these NetIDs get the home network of the device ' +
    '(HomeNSReq) besides its own NS. None by default; cleared when the device changes owner.';
  app.get<{ Params: { devEui: string } }>(
    '/api/v1/devices/:devEui/roaming',
    {
      schema: {
        summary: "A device's roaming agreements (its owner, or the admin)",
        description: roamingDescription,
        security: bearer,
        params: s.devEuiParams,
        response: { 200: s.deviceRoamingSchema, ...errors },
      },
    },
    async (request) => {
      const devEui = request.params.devEui.toUpperCase();
      const r = await claims.getDeviceRoaming({
        principal: principalOf(request),
        devEui: hexToBytes(devEui),
      });
      return { devEui, netIds: r.netIds.map(hex) };
    },
  );

  app.put<{ Params: { devEui: string }; Body: { netIds: string[] } }>(
    '/api/v1/devices/:devEui/roaming',
    {
      schema: {
        summary: "Replace a claimed device's roaming agreements (its owner, or the admin)",
        description: roamingDescription,
        security: bearer,
        params: s.devEuiParams,
        body: s.deviceRoamingBody,
        response: { 200: s.deviceRoamingSchema, ...errors },
      },
    },
    async (request) => {
      const devEui = request.params.devEui.toUpperCase();
      const r = await claims.setDeviceRoaming({
        principal: principalOf(request),
        devEui: hexToBytes(devEui),
        netIds: request.body.netIds.map((n) => hexToBytes(n.replace(/^0x/i, ''))),
      });
      return { devEui, netIds: r.netIds.map(hex) };
    },
  );

  /** The account an account-level call is about: the owner's own, or the one the admin names. */
  const roamingAccount = (principal: Principal, requested: string | undefined): string =>
    principal.scope === Scope.ADMIN ? (requested ?? '') : principal.accountId;

  app.get<{ Querystring: { accountId?: string } }>(
    '/api/v1/roaming',
    {
      schema: {
        summary:
          "The account's roaming agreements, for all its devices (owners: their own; the admin: accountId)",
        description: roamingDescription,
        security: bearer,
        querystring: s.roamingQuery,
        response: { 200: s.accountRoamingSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const accountId = roamingAccount(principal, request.query.accountId);
      const r = await claims.getAccountRoaming({ principal, accountId });
      return { accountId, netIds: r.netIds.map(hex) };
    },
  );

  app.put<{ Body: { netIds: string[]; accountId?: string } }>(
    '/api/v1/roaming',
    {
      schema: {
        summary: "Replace the account's roaming agreements, for all its devices",
        description: roamingDescription,
        security: bearer,
        body: s.roamingBody,
        response: { 200: s.accountRoamingSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const accountId = roamingAccount(principal, request.body.accountId);
      const r = await claims.setAccountRoaming({
        principal,
        accountId,
        netIds: request.body.netIds.map((n) => hexToBytes(n.replace(/^0x/i, ''))),
      });
      return { accountId, netIds: r.netIds.map(hex) };
    },
  );

  app.get<{ Querystring: { accountId?: string; batchId?: string; pageToken?: string; pageSize?: string } }>(
    '/api/v1/devices',
    {
      schema: {
        summary: 'List devices: owners their own; the admin by account or batch',
        security: bearer,
        querystring: s.listDevicesQuery,
        response: { 200: s.deviceListSchema, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const listed = await claims.listDevices({
        principal: principalOf(request),
        accountId: q.accountId ?? '',
        batchId: q.batchId ?? '',
        pageToken: q.pageToken ?? '',
        pageSize: q.pageSize === undefined ? 0 : Number(q.pageSize),
      });
      return {
        devices: listed.devices.map(deviceView),
        nextPageToken: listed.nextPageToken === '' ? null : listed.nextPageToken,
      };
    },
  );

  const billing = () => {
    if (deps.billing === undefined) throw consoleErrors.billing_unavailable();
    return deps.billing;
  };
  /** Owners see their own account whatever they ask for; the admin sees `accountId`, or everything. */
  const accountScope = (principal: Principal, requested: string | undefined): string | undefined =>
    principal.scope === Scope.ADMIN ? requested : principal.accountId;

  app.get<{ Querystring: { accountId?: string; from?: string; to?: string } }>(
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
      return { charges };
    },
  );

  app.get<{ Params: { period: string }; Querystring: { accountId?: string; format?: 'json' | 'csv' } }>(
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
}
