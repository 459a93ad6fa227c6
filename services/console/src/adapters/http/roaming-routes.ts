import { hexToBytes } from '@joinery/backend-interfaces';
import { Scope, type Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { bearer, errors, hex, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as s from './schemas.js';

const roamingDescription =
  'Roaming agreements: network servers registered with one of these NetIDs get the home network of the device ' +
  '(HomeNSReq) besides its own NS. None by default; cleared when the device changes owner.';

/** The account an account-level call is about: the owner's own, or the one the admin names. */
const roamingAccount = (principal: Principal, requested: string | undefined): string =>
  principal.scope === Scope.ADMIN ? (requested ?? '') : principal.accountId;

/** Roaming agreements (HomeNSReq), per device and per account. */
export const roamingRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.get<{ Params: s.DevEuiParams }>(
    '/api/v1/devices/:devEui/roaming',
    {
      schema: {
        operationId: 'getDeviceRoaming',
        tags: ['roaming'],
        summary: "A device's roaming agreements (its owner, or the admin)",
        description: roamingDescription,
        security: bearer,
        params: s.devEuiParams,
        response: {
          200: { description: "The device's roaming agreements", ...s.deviceRoamingSchema },
          ...errors,
        },
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

  app.put<{ Params: s.DevEuiParams; Body: s.DeviceRoamingBody }>(
    '/api/v1/devices/:devEui/roaming',
    {
      schema: {
        operationId: 'setDeviceRoaming',
        tags: ['roaming'],
        summary: "Replace a claimed device's roaming agreements (its owner, or the admin)",
        description: roamingDescription,
        security: bearer,
        params: s.devEuiParams,
        body: s.deviceRoamingBody,
        response: {
          200: { description: "The device's roaming agreements", ...s.deviceRoamingSchema },
          ...errors,
        },
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

  app.get<{ Querystring: s.RoamingQuery }>(
    '/api/v1/roaming',
    {
      schema: {
        operationId: 'getAccountRoaming',
        tags: ['roaming'],
        summary:
          "The account's roaming agreements, for all its devices (owners: their own; the admin: accountId)",
        description: roamingDescription,
        security: bearer,
        querystring: s.roamingQuery,
        response: {
          200: { description: "The account's roaming agreements", ...s.accountRoamingSchema },
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const accountId = roamingAccount(principal, request.query.accountId);
      const r = await claims.getAccountRoaming({ principal, accountId });
      return { accountId, netIds: r.netIds.map(hex) };
    },
  );

  app.put<{ Body: s.RoamingBody }>(
    '/api/v1/roaming',
    {
      schema: {
        operationId: 'setAccountRoaming',
        tags: ['roaming'],
        summary: "Replace the account's roaming agreements, for all its devices",
        description: roamingDescription,
        security: bearer,
        body: s.roamingBody,
        response: {
          200: { description: "The account's roaming agreements", ...s.accountRoamingSchema },
          ...errors,
        },
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
};
