import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { hexToBytes } from '@joinery/backend-interfaces';
import { macVersionToProto } from '@joinery/wire';
import type { FastifyPluginAsync } from 'fastify';
import { rateLimitedResponse } from './openapi.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import { pageLimitOf, pageOf } from './paging.js';
import { instantOf } from './query-time.js';
import * as s from './schemas.js';
import { deviceView, devNonceResetView, nonceStateView } from './views.js';

/** One device: claim, unclaim, move to another network server, read it, and its DevNonce state. */
export const deviceRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.post<{ Body: s.ClaimBody }>(
    '/api/v1/claims',
    {
      schema: {
        operationId: 'claimDevice',
        tags: ['claims'],
        description:
          "Claims an unclaimed device with the claim code from its batch and binds it to one of the caller's network servers. Failed attempts are rate-limited per account (429 with Retry-After).",
        summary: 'Claim a device with its claim code and bind it to one of your network servers',
        security: bearer,
        body: s.claimBody,
        response: {
          201: { description: 'The claimed device', ...s.deviceSchema },
          429: rateLimitedResponse,
          ...errors,
        },
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

  app.delete<{ Params: s.DevEuiParams }>(
    '/api/v1/claims/:devEui',
    {
      schema: {
        operationId: 'unclaimDevice',
        tags: ['claims'],
        description:
          'Releases a device the caller owns: it becomes claimable again and no network server can activate it.',
        summary: 'Unclaim a device: claimable again, and no network server can activate it',
        security: bearer,
        params: s.devEuiParams,
        response: { 204: { type: 'null', description: 'Unclaimed' }, ...errors },
      },
    },
    async (request, reply) => {
      await claims.unclaim({ principal: principalOf(request), devEui: hexToBytes(request.params.devEui) });
      return reply.code(204).send();
    },
  );

  app.put<{ Params: s.DevEuiParams; Body: s.TransferBody }>(
    '/api/v1/devices/:devEui/network-server',
    {
      schema: {
        operationId: 'moveDevice',
        tags: ['devices'],
        description:
          'Binds a device the caller owns to another of its network servers (and optionally application server); the old network server is refused from now on.',
        summary: 'Move a device to another of your network servers; the old one is refused from now on',
        security: bearer,
        params: s.devEuiParams,
        body: s.transferBody,
        response: {
          200: { description: 'The device, now on the new network server', ...s.deviceSchema },
          ...errors,
        },
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

  app.get<{ Params: s.DevEuiParams }>(
    '/api/v1/devices/:devEui',
    {
      schema: {
        operationId: 'getDevice',
        tags: ['devices'],
        description:
          "One device as the management contract shows it. Another account's device answers 404 `unknown_device`, as an unknown DevEUI does.",
        summary: 'A device (its owner, or the admin)',
        security: bearer,
        params: s.devEuiParams,
        response: { 200: { description: 'The device', ...s.deviceSchema }, ...errors },
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

  app.post<{ Params: s.DevEuiParams; Body: s.DevNonceResetBody }>(
    '/api/v1/devices/:devEui/devnonce-resets',
    {
      schema: {
        operationId: 'resetDevNonces',
        tags: ['devices'],
        description:
          'For a device that lost its DevNonce counter (a battery swap, a firmware update): the DevNonces it used are forgotten and the reset is recorded with who and why.',
        summary:
          'Forget the DevNonces a device used, for a device that lost its counter (its owner, or the admin). ' +
          'Recorded with who and why; the JoinNonce is never reset. Old join-requests can be replayed afterwards.',
        security: bearer,
        params: s.devEuiParams,
        body: s.devNonceResetBody,
        response: { 201: { description: 'The reset, as recorded', ...s.devNonceResetSchema }, ...errors },
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

  app.get<{ Params: s.DevEuiParams }>(
    '/api/v1/devices/:devEui/nonces',
    {
      schema: {
        operationId: 'getNonceState',
        tags: ['devices'],
        description:
          'The last JoinNonce handed out, the last accepted DevNonce, the size of the DevNonce history, the session count and every DevNonce reset. No keys.',
        summary: "A device's DevNonce and JoinNonce state and its DevNonce resets (its owner, or the admin)",
        security: bearer,
        params: s.devEuiParams,
        response: { 200: { description: 'The nonce state', ...s.nonceStateSchema }, ...errors },
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
};

/** The device list: owners their own, the admin by account or batch, filtered, a page at a time. */
export const deviceListRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.get<{ Querystring: s.ListDevicesQuery }>(
    '/api/v1/devices',
    {
      schema: {
        operationId: 'listDevices',
        tags: ['devices'],
        description:
          'Devices a page at a time (`{items, nextCursor}`): an owner its own, the admin those of `accountId` or ' +
          '`batchId`; filters by claimed, network server, MAC version, activation, last join and DevEUI prefix.',
        summary: 'List devices: owners their own; the admin by account or batch; filters and cursor paging',
        security: bearer,
        querystring: s.listDevicesQuery,
        response: { 200: { description: 'One page of devices', ...s.deviceListSchema }, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const listed = await claims.listDevices({
        principal: principalOf(request),
        accountId: q.accountId ?? '',
        batchId: q.batchId ?? '',
        pageToken: q.cursor ?? '',
        pageSize: pageLimitOf(q.limit),
        ...(q.claimed === undefined ? {} : { claimed: q.claimed === 'true' }),
        networkServerId: q.networkServerId ?? '',
        macVersion: q.macVersion === undefined ? '' : macVersionToProto(q.macVersion),
        ...(q.activated === undefined ? {} : { activated: q.activated === 'true' }),
        ...(q.lastJoinSince === undefined
          ? {}
          : { lastJoinSince: timestampFromMs(instantOf('lastJoinSince', q.lastJoinSince)) }),
        devEuiPrefix: q.devEuiPrefix ?? '',
      });
      return pageOf(listed.devices.map(deviceView), listed.nextPageToken);
    },
  );
};
