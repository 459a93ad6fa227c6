// Join activity over REST with a real HTTP client reading the Server-Sent Events: what reaches which stream, the
// heartbeat, the stream limit, and the list of the last joins.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { hexToBytes } from '@joinery/backend-interfaces';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema, JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { openEventStream, type EventStream } from '../contract/event-stream.js';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

const joinEui = '70B3D57ED0000000';
const mine = '00F0000000000001';
const theirs = '00F0000000000002';

describe('REST: join activity and its live streams', () => {
  let api: InProcessApi;
  let base: string;
  let owner: string;
  let ownerId: string;
  let stranger: string;
  let strangerId: string;
  const streams: EventStream[] = [];
  const open = async (token: string, path: string) => {
    const s = await openEventStream(`${base}${path}`, token);
    streams.push(s);
    return s;
  };
  const event = (devEui: string, accountId: string, id: string, accepted = true, devNonce?: number) =>
    create(JoinEventSchema, {
      ...(devNonce === undefined ? {} : { devNonce }),
      eventId: id,
      devEui: hexToBytes(devEui),
      joinEui: hexToBytes(joinEui),
      time: timestampFromMs(Date.now()),
      outcome: accepted ? JoinOutcome.ACCEPTED : JoinOutcome.REFUSED,
      kind: JoinKind.JOIN_REQUEST,
      resultCode: accepted ? 'Success' : 'MICFailed',
      errorCode: accepted ? '' : 'keys:mic_failed',
      accountId,
      netId: hexToBytes('000013'),
    });

  before(async () => {
    api = await startInProcessApi({ activityHeartbeatMs: 200 });
    base = `http://127.0.0.1:${await api.console.listen('127.0.0.1', 0)}`;
    ({ apiKey: owner, id: ownerId } = await api.createAccount('owner'));
    ({ apiKey: stranger, id: strangerId } = await api.createAccount('stranger'));
    await api.call(adminToken, 'POST', '/api/v1/device-batches', {
      joinEui,
      devices: [mine, theirs].map((devEui, i) => ({
        devEui,
        macVersion: '1.0.3',
        nwkKey: '2B7E151628AED2A6ABF7158809CF4F3C',
        claimCode: `CODE000${i}`,
      })),
    });
    for (const [token, devEui, code, netId] of [
      [owner, mine, 'CODE0000', '000013'],
      [stranger, theirs, 'CODE0001', '000014'],
    ] as const) {
      const res = await api.call(token, 'POST', '/api/v1/claims', {
        devEui,
        claimCode: code,
        networkServerId: await api.registerNs(token, netId, 'ns'),
      });
      assert.equal(res.status, 201);
    }
  });
  after(async () => {
    for (const s of streams) s.close();
    await api.close();
  });

  test('each stream gets the joins it may see, and only those; comments keep it alive', async () => {
    const device = await open(owner, `/api/v1/devices/${mine}/activity/stream`);
    const account = await open(owner, '/api/v1/activity/stream');
    const other = await open(stranger, '/api/v1/activity/stream');
    const everything = await open(adminToken, '/api/v1/activity/stream');
    assert.equal(device.status, 200);
    api.activity.publish([
      event(mine, ownerId, 'e1', true, 0x1f2e),
      event(theirs, strangerId, 'e2'),
      event(mine, ownerId, 'e3', false, 0),
      // A refusal decided before the owner was known (no account): shown to the device's owner, after a lookup.
      event(mine, '', 'e4', false),
    ]);
    const ids = (s: EventStream) => s.events.map((e) => e.id);
    await account.next((e) => e.id === 'e4', 5000);
    await device.next((e) => e.id === 'e4', 5000);
    await other.next((e) => e.id === 'e2', 5000);
    await everything.next((e) => e.id === 'e4', 5000);
    assert.deepEqual(ids(device), ['e1', 'e3', 'e4']);
    assert.deepEqual(ids(account), ['e1', 'e3', 'e4']);
    assert.deepEqual(ids(other), ['e2']);
    assert.deepEqual(ids(everything), ['e1', 'e2', 'e3', 'e4']);
    const refused = device.events[1]?.data as Record<string, unknown>;
    assert.deepEqual(
      [
        refused['result'],
        refused['resultCode'],
        refused['errorCode'],
        refused['joinType'],
        refused['devNonce'],
      ],
      ['refused', 'MICFailed', 'keys:mic_failed', 'join-request', 0],
    );
    // The DevNonce the join event carried; null for an event without one (refused before the frame was parsed).
    assert.deepEqual(
      device.events.map((e) => (e.data as Record<string, unknown>)['devNonce']),
      [0x1f2e, 0, null],
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(device.comments.filter((c) => c === 'heartbeat').length >= 1, device.comments.join('|'));
  });

  test("another account's device stream is the unknown device answer", async () => {
    const res = await api.call(stranger, 'GET', `/api/v1/devices/${mine}/activity/stream`);
    assert.equal(res.status, 404);
    assert.equal((res.body as { error: { code: string } }).error.code, 'unknown_device');
  });

  test('at most 20 streams per account; the 21st is 429 with Retry-After', async () => {
    const held = await Promise.all(
      Array.from({ length: 19 }, () => open(stranger, '/api/v1/activity/stream')),
    );
    assert.ok(held.every((s) => s.status === 200));
    const refused = await api.call(stranger, 'GET', '/api/v1/activity/stream');
    assert.equal(refused.status, 429);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'too_many_streams');
    assert.equal(refused.headers['retry-after'], '30');
    // The owner's own budget is untouched by the stranger's streams.
    assert.equal((await open(owner, '/api/v1/activity/stream')).status, 200);
    for (const s of held) s.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await open(stranger, '/api/v1/activity/stream')).status, 200);
  });

  test('the last joins of a device, newest first, as the join events told them', async () => {
    const t = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const base = {
      resultCode: 'Success',
      errorCode: '',
      accountId: ownerId,
      networkServerId: '',
      netId: '000013',
    };
    await api.claims.claims.activity.record([
      {
        devEui: mine,
        activity: {
          ...base,
          eventId: 'a1',
          time: t(1),
          accepted: true,
          kind: 'join-request',
          devNonce: 0x0102,
        },
      },
      {
        devEui: mine,
        activity: {
          ...base,
          eventId: 'a2',
          time: t(2),
          accepted: false,
          resultCode: 'MICFailed',
          kind: 'rejoin-0',
        },
      },
    ]);
    const res = await api.call(owner, 'GET', `/api/v1/devices/${mine}/activity?limit=2`);
    assert.equal(res.status, 200);
    const body = res.body as { items: Record<string, unknown>[]; nextCursor: null };
    assert.deepEqual(
      body.items.map((i) => [i['result'], i['resultCode'], i['joinType'], i['devNonce']]),
      [
        ['refused', 'MICFailed', 'rejoin-0', null],
        ['accepted', 'Success', 'join-request', 0x0102],
      ],
    );
    assert.equal(body.nextCursor, null);
    assert.equal((await api.call(owner, 'GET', `/api/v1/devices/${mine}/activity?limit=101`)).status, 400);
  });
});
