import { timestampDate } from '@bufbuild/protobuf/wkt';
import { bytesToHex, hexToBytes } from '@joinery/backend-interfaces';
import { Scope, type JoinActivity, type Principal } from '@joinery/proto/claims/v1/claims_pb';
import { JoinKind, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ActivityHub } from '../../domain/activity-hub.js';
import { consoleErrors } from '../../domain/errors.js';
import type { ClaimsClient } from '../../domain/ports.js';
import * as c from './claim-schemas.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as s from './schemas.js';

const joinTypes: Readonly<Record<JoinKind, string>> = {
  [JoinKind.UNSPECIFIED]: 'unknown',
  [JoinKind.JOIN_REQUEST]: 'join-request',
  [JoinKind.REJOIN_TYPE_0]: 'rejoin-0',
  [JoinKind.REJOIN_TYPE_1]: 'rejoin-1',
  [JoinKind.REJOIN_TYPE_2]: 'rejoin-2',
};

export const activityItemSchema = {
  type: 'object',
  required: [
    'at',
    'devEui',
    'result',
    'resultCode',
    'errorCode',
    'networkServerId',
    'netId',
    'devNonce',
    'joinType',
  ],
  properties: {
    at: { type: 'string', format: 'date-time' },
    devEui: s.devEuiSchema,
    result: { type: 'string', enum: ['accepted', 'refused'] },
    resultCode: { type: 'string', description: 'the Backend Interfaces ResultCode the NS got' },
    errorCode: { type: ['string', 'null'], description: 'why Joinery refused (e.g. keys:mic_failed)' },
    networkServerId: { type: ['string', 'null'], description: 'the device’s NS when the join was decided' },
    netId: { type: ['string', 'null'], description: 'the NetID of the NS that asked' },
    devNonce: {
      type: ['integer', 'null'],
      minimum: 0,
      maximum: 65535,
      description:
        'the DevNonce of the JoinReq (RJcount0/RJcount1 of a rejoin); null when unknown (refused unparsed)',
    },
    joinType: { type: 'string', enum: Object.values(joinTypes) },
  },
} as const;

const orNull = (v: string) => (v === '' ? null : v);

function itemOfEvent(e: JoinEvent) {
  return {
    at: (e.time === undefined ? new Date() : timestampDate(e.time)).toISOString(),
    devEui: bytesToHex(e.devEui),
    result: e.outcome === JoinOutcome.ACCEPTED ? 'accepted' : 'refused',
    resultCode: e.resultCode,
    errorCode: orNull(e.errorCode),
    networkServerId: orNull(e.networkServerId),
    netId: orNull(bytesToHex(e.netId)),
    devNonce: e.devNonce ?? null,
    joinType: joinTypes[e.kind] ?? 'unknown',
  };
}

function itemOfActivity(devEui: string, a: JoinActivity) {
  return {
    at: (a.time === undefined ? new Date(0) : timestampDate(a.time)).toISOString(),
    devEui,
    result: a.outcome === JoinOutcome.ACCEPTED ? 'accepted' : 'refused',
    resultCode: a.resultCode,
    errorCode: orNull(a.errorCode),
    networkServerId: orNull(a.networkServerId),
    netId: orNull(a.netId),
    devNonce: a.devNonce ?? null,
    joinType: joinTypes[a.kind] ?? 'unknown',
  };
}

/** Open streams per account (the admin counts as one) in one console process; past it 429 `too_many_streams`. */
const maxStreamsPerAccount = 20;

const ownershipCacheMs = 5000;

/**
 * Whether this caller may see `event`: the admin everything; an owner the events decided for its account, and
 * refusals decided before the owner was known (no account in the event) of a device it owns, since its claim. That
 * last check asks claims (cached 5 s per device), so a device that changed owner stops showing on the old owner's
 * stream within seconds.
 */
function visibility(claims: ClaimsClient, principal: Principal) {
  const owned = new Map<string, { at: number; since: number | null }>();
  return async (event: JoinEvent): Promise<boolean> => {
    if (principal.scope === Scope.ADMIN) return true;
    if (event.accountId !== '') return event.accountId === principal.accountId;
    const devEui = bytesToHex(event.devEui);
    let known = owned.get(devEui);
    if (known === undefined || Date.now() - known.at > ownershipCacheMs) {
      let since: number | null = null;
      try {
        const { device } = await claims.getDevice({ principal, devEui: hexToBytes(devEui) });
        since = device?.claimedAt === undefined ? null : timestampDate(device.claimedAt).getTime();
      } catch {
        since = null;
      }
      known = { at: Date.now(), since };
      owned.set(devEui, known);
    }
    const at = event.time === undefined ? Date.now() : timestampDate(event.time).getTime();
    return known.since !== null && at >= known.since;
  };
}

/** Join activity of devices: the last joins, and live streams (Server-Sent Events) per device and per account. */
export const deviceActivityRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (
  app,
  { claims, activity, activityHeartbeatMs: heartbeatMs = 15_000 },
) => {
  const open = new Map<string, number>();
  const responses = new Set<ServerResponse>();
  // Streams never end by themselves: closing the console ends them, or closing would wait for every client.
  app.addHook('onClose', async () => {
    for (const res of responses) res.end();
  });

  /** Answers the request as an event stream of the events `accept` lets through, until the client goes away. */
  async function stream(
    request: FastifyRequest,
    reply: FastifyReply,
    hub: ActivityHub,
    accept: (event: JoinEvent) => boolean | Promise<boolean>,
  ): Promise<void> {
    const principal = principalOf(request);
    const key = principal.scope === Scope.ADMIN ? 'admin' : principal.accountId;
    if ((open.get(key) ?? 0) >= maxStreamsPerAccount)
      throw consoleErrors.too_many_streams({ retry_after_s: 30 });
    open.set(key, (open.get(key) ?? 0) + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    responses.add(res);
    res.write(': joinery join activity\n\n');
    // Events are written in arrival order even when a visibility check has to ask claims.
    let queue = Promise.resolve();
    const unsubscribe = hub.subscribe((event) => {
      queue = queue.then(async () => {
        if (res.writableEnded || !(await accept(event))) return;
        res.write(`event: join\nid: ${event.eventId}\ndata: ${JSON.stringify(itemOfEvent(event))}\n\n`);
      });
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    res.once('close', () => {
      responses.delete(res);
      clearInterval(heartbeat);
      unsubscribe();
      open.set(key, (open.get(key) ?? 1) - 1);
      if (!res.writableEnded) res.end();
    });
  }

  const hubOf = () => {
    if (activity === undefined) throw consoleErrors.activity_unavailable();
    return activity;
  };

  app.get<{ Params: c.DevEuiOnlyParams; Querystring: { limit?: string } }>(
    '/api/v1/devices/:devEui/activity',
    {
      schema: {
        operationId: 'listDeviceActivity',
        description:
          'The last join events of a device, newest first: accepted or refused, the result code, the network ' +
          'server and NetID, the DevNonce and the join type. Its owner, or the admin.',
        tags: ['devices'],
        summary:
          'The last joins of a device, newest first (accepted and refused; its owner since the claim, or the admin)',
        security: bearer,
        params: c.devEuiOnlyParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^[1-9][0-9]?$|^100$', description: '1–100, default 50' },
          },
        },
        response: {
          200: {
            description: 'The last join events, newest first',
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: activityItemSchema },
              nextCursor: { type: 'null', description: 'the last joins fit one page' },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const devEui = request.params.devEui.toUpperCase();
      const { items } = await claims.listJoinActivity({
        principal: principalOf(request),
        devEui: hexToBytes(devEui),
        limit: request.query.limit === undefined ? 0 : Number(request.query.limit),
      });
      return { items: items.map((a) => itemOfActivity(devEui, a)), nextCursor: null };
    },
  );

  const streamSchema = (operationId: string, summary: string, params?: object) => ({
    operationId,
    tags: ['devices'],
    summary,
    description:
      'Server-Sent Events: one `event: join` per join as it happens (`data:` the activity item as JSON), and a ' +
      'heartbeat comment every 15 s. 503 when this installation has no join feed.',
    security: bearer,
    ...(params === undefined ? {} : { params }),
    response: {
      200: {
        description: '`event: join` with `data: <activity item JSON>` per join, a comment every 15 s',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      429: s.errorSchema,
      503: { description: '`unavailable`: no join feed in this installation', ...s.errorSchema },
      ...errors,
    },
  });

  app.get<{ Params: c.DevEuiOnlyParams }>(
    '/api/v1/devices/:devEui/activity/stream',
    {
      schema: streamSchema(
        'streamDeviceActivity',
        'Joins of a device as they happen, as Server-Sent Events (its owner, or the admin)',
        c.devEuiOnlyParams,
      ),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const devEui = request.params.devEui.toUpperCase();
      const hub = hubOf();
      // Not the owner: the answer an unknown device gets, before any stream opens.
      await claims.getDevice({ principal, devEui: hexToBytes(devEui) });
      const visible = visibility(claims, principal);
      await stream(request, reply, hub, (e) => bytesToHex(e.devEui) === devEui && visible(e));
    },
  );

  app.get(
    '/api/v1/activity/stream',
    {
      schema: streamSchema(
        'streamAccountActivity',
        'Joins of every device of the account as they happen, as Server-Sent Events (the admin: every account)',
      ),
    },
    async (request, reply) => {
      const hub = hubOf();
      await stream(request, reply, hub, visibility(claims, principalOf(request)));
    },
  );
};
