// The management calls of issue 19 in the contract suite (embedded and distributed alike): the device list, bulk and
// QR claims, the life of a network server (rotation with an overlap, revocation) proved over the Backend Interfaces
// with mTLS and with bearer tokens, the one-time credentials bundle, and join activity live as Server-Sent Events.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { unzipSync } from 'fflate';
import {
  batchRow,
  simulatedDevice,
  SimulatedNetworkServer,
  type ApiClient,
  type RegisteredNetworkServer,
  type SimulatedDevice,
} from '@joinery/joinery';
import { hexOf, rejectsWithCode } from './contract-helpers.js';
import { openEventStream, type EventStream } from './event-stream.js';

export interface LifecycleContext {
  readonly apiUrl: string;
  readonly biUrl: URL;
  readonly adminToken: string;
  readonly admin: ApiClient;
  readonly owner: ApiClient;
  readonly ownerToken: string;
  readonly otherToken: string;
  readonly other: ApiClient;
  readonly joinEui: string;
  /** A device of the owner bound to `ns`, joined before. */
  readonly device: SimulatedDevice;
  readonly ns: RegisteredNetworkServer;
  readonly nsClient: SimulatedNetworkServer;
  /** Another NS of the owner, to which `device` is not bound. */
  readonly otherNsClient: SimulatedNetworkServer;
}

type Registered = RegisteredNetworkServer & { bundle: { url: string; expiresAt: string } | null };

async function send(apiUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res;
}

/** Registers the tests; `context()` is read when they run, after the management contract set it up. */
export function lifecycleContract(context: () => LifecycleContext): { secrets(): string[] } {
  const secrets: string[] = [];
  const fresh = Array.from({ length: 4 }, () => simulatedDevice('1.0.4'));

  test('devices are listed as {items, nextCursor}, filtered, a page at a time; another owner sees none', async () => {
    const c = context();
    const first = await c.owner.request<{ items: { devEui: string }[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/devices?networkServerId=${c.ns.id}&limit=1`,
    );
    assert.equal(first.items.length, 1);
    assert.equal(typeof first.nextCursor, 'string');
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { devEui: string }[]; nextCursor: string | null } = await c.owner.request(
        'GET',
        `/api/v1/devices?networkServerId=${c.ns.id}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      all.push(...page.items.map((d) => d.devEui));
      cursor = page.nextCursor;
    } while (cursor !== null);
    assert.ok(all.includes(c.device.devEui));
    assert.deepEqual(all, [...all].sort());
    const prefix = await c.owner.request<{ items: { devEui: string }[] }>(
      'GET',
      `/api/v1/devices?devEuiPrefix=${c.device.devEui.slice(0, 16)}&activated=true`,
    );
    assert.deepEqual(
      prefix.items.map((d) => d.devEui),
      [c.device.devEui],
    );
    const theirs = await c.other.request<{ items: unknown[] }>(
      'GET',
      `/api/v1/devices?networkServerId=${c.ns.id}`,
    );
    assert.deepEqual(theirs, { items: [], nextCursor: null });
  });

  test('bulk claim with one result per row, and a claim by TR005 QR code', async () => {
    const c = context();
    await c.admin.request('POST', '/api/v1/device-batches', {
      joinEui: c.joinEui,
      devices: fresh.map(batchRow),
    });
    const [a, b, q, spare] = fresh as [SimulatedDevice, SimulatedDevice, SimulatedDevice, SimulatedDevice];
    const bulk = await c.owner.request<{
      results: { row: number; status: string; error?: { code: string } }[];
      claimed: number;
      failed: number;
    }>('POST', '/api/v1/claims/bulk', {
      networkServerId: c.ns.id,
      rows: [
        { devEui: a.devEui, claimCode: a.claimCode },
        { devEui: b.devEui, claimCode: b.claimCode },
        { devEui: spare.devEui, claimCode: 'WRONG-CODE' },
      ],
    });
    assert.deepEqual(
      bulk.results.map((r) => [r.row, r.status, r.error?.code ?? null]),
      [
        [1, 'claimed', null],
        [2, 'claimed', null],
        [3, 'failed', 'wrong_claim_code'],
      ],
    );
    const csv = await fetch(`${c.apiUrl}/api/v1/claims/bulk?networkServerId=${c.ns.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.otherToken}`, 'content-type': 'text/csv' },
      body: `devEui,claimCode\n${a.devEui},${a.claimCode}\n`,
    });
    // Another account naming the owner's NS: the row fails as that single claim would.
    assert.equal(csv.status, 200);
    const rows = ((await csv.json()) as { results: { error?: { code: string } }[] }).results;
    assert.equal(rows[0]?.error?.code, 'unknown_network_server');
    const byQr = await c.owner.request<{ devEui: string; networkServerId: string }>(
      'POST',
      '/api/v1/claims/qr',
      {
        qr: `LW:D0:${c.joinEui}:${q.devEui}:00000000:O${q.claimCode}`,
        networkServerId: c.ns.id,
      },
    );
    assert.deepEqual([byQr.devEui, byQr.networkServerId], [q.devEui, c.ns.id]);
    const svg = await send(c.apiUrl, c.ownerToken, 'GET', `/api/v1/devices/${q.devEui}/qr.svg`);
    assert.equal(svg.status, 200);
    assert.match(await svg.text(), /^<svg/);
    assert.equal(
      (await send(c.apiUrl, c.otherToken, 'GET', `/api/v1/devices/${q.devEui}/qr.png`)).status,
      404,
    );
  });

  test('join activity: accepted and refused joins live on the device and account streams, then listed', async () => {
    const c = context();
    const streams: EventStream[] = [];
    try {
      const device = await openEventStream(
        `${c.apiUrl}/api/v1/devices/${c.device.devEui}/activity/stream`,
        c.ownerToken,
      );
      const account = await openEventStream(`${c.apiUrl}/api/v1/activity/stream`, c.ownerToken);
      const stranger = await openEventStream(`${c.apiUrl}/api/v1/activity/stream`, c.otherToken);
      const refusedStream = await openEventStream(
        `${c.apiUrl}/api/v1/devices/${c.device.devEui}/activity/stream`,
        c.otherToken,
      );
      streams.push(device, account, stranger, refusedStream);
      assert.equal(device.status, 200);
      assert.match(device.contentType, /^text\/event-stream/);
      assert.equal(refusedStream.status, 404);
      assert.equal(
        (JSON.parse(refusedStream.body) as { error: { code: string } }).error.code,
        'unknown_device',
      );
      // The DevNonces the simulated NSs send: the device's next one, then the one after.
      const acceptedNonce = c.device.nextDevNonce;
      const accepted = await c.nsClient.join(c.device, c.joinEui);
      assert.equal(accepted.ok, true, `${accepted.resultCode} ${accepted.description ?? ''}`);
      const refusedNonce = c.device.nextDevNonce;
      const refused = await c.otherNsClient.join(c.device, c.joinEui);
      assert.equal(refused.ok, false);
      type Item = {
        devEui: string;
        result: string;
        resultCode: string;
        netId: string | null;
        devNonce: number | null;
      };
      const of = (result: string) => (e: { event: string; data: unknown }) =>
        e.event === 'join' &&
        (e.data as Item).devEui === c.device.devEui &&
        (e.data as Item).result === result;
      for (const s of [device, account]) {
        const ok = (await s.next(of('accepted'))).data as Item;
        assert.equal(ok.resultCode, 'Success');
        assert.equal(ok.devNonce, acceptedNonce);
        const no = (await s.next(of('refused'))).data as Item;
        assert.equal(no.resultCode, refused.resultCode);
        // Refused by the gateway (not the device's NS) after it parsed the JoinReq: its DevNonce is known too.
        assert.equal(no.devNonce, refusedNonce);
      }
      assert.equal(stranger.events.filter((e) => (e.data as Item).devEui === c.device.devEui).length, 0);
      // The list is claims' record of the same events, kept by its own consumer: wait until it has both.
      const bothListed = (items: Item[]) =>
        items.some((i) => i.result === 'accepted' && i.devNonce === acceptedNonce) &&
        items.some(
          (i) => i.result === 'refused' && i.resultCode === refused.resultCode && i.devNonce === refusedNonce,
        );
      let listed: { items: Item[] } = { items: [] };
      for (const until = Date.now() + 10_000; Date.now() < until;) {
        listed = await c.owner.request<{ items: Item[] }>(
          'GET',
          `/api/v1/devices/${c.device.devEui}/activity?limit=5`,
        );
        if (bothListed(listed.items)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(bothListed(listed.items), JSON.stringify(listed.items));
      await rejectsWithCode(
        c.other.request('GET', `/api/v1/devices/${c.device.devEui}/activity`),
        404,
        'unknown_device',
      );
    } finally {
      for (const s of streams) s.close();
    }
  });

  test('rotation over BI: old and new credentials (mTLS and bearer) both work in the overlap, each with its KEK; then old refused; revocation refuses all', async () => {
    const c = context();
    const ns = await c.owner.request<Registered>('POST', '/api/v1/network-servers', {
      name: 'rotating',
      netId: '00000C',
      appSKeyDelivery: 'session-key-id',
    });
    secrets.push(ns.kek.key);
    const d = simulatedDevice('1.0.4');
    await c.admin.request('POST', '/api/v1/device-batches', { joinEui: c.joinEui, devices: [batchRow(d)] });
    await c.owner.request('POST', '/api/v1/claims', {
      devEui: d.devEui,
      claimCode: d.claimCode,
      networkServerId: ns.id,
    });
    const identity = (r: RegisteredNetworkServer) => ({
      netId: r.netId,
      kek: r.kek,
      credentials: r.credentials,
      bearerToken: r.bearerToken,
    });
    const clients: SimulatedNetworkServer[] = [];
    const client = (r: RegisteredNetworkServer, auth: 'certificate' | 'bearer-token') => {
      const made = new SimulatedNetworkServer(c.biUrl, identity(r), { auth });
      clients.push(made);
      return made;
    };
    try {
      const oldCert = client(ns, 'certificate');
      const oldBearer = client(ns, 'bearer-token');
      const joins = async (nsClient: SimulatedNetworkServer) => {
        const outcome = await nsClient.join(d, c.joinEui);
        return `${outcome.ok ? 'ok' : 'refused'}${outcome.ok ? '' : ` ${outcome.resultCode} ${outcome.description ?? ''}`}`;
      };
      assert.equal(await joins(oldCert), 'ok');
      assert.equal(await joins(oldBearer), 'ok');
      const overlapSeconds = 6;
      const rotated = await c.owner.request<Registered & { overlapUntil: string }>(
        'POST',
        `/api/v1/network-servers/${ns.id}/rotations`,
        { overlapSeconds },
      );
      secrets.push(rotated.kek.key);
      assert.equal(rotated.kek.label, `${ns.kek.label}-r1`);
      const newCert = client(rotated, 'certificate');
      const newBearer = client(rotated, 'bearer-token');
      // During the overlap each NS configuration works: the old credentials get the old KEK, the new the new one
      // (the simulated NS refuses an envelope whose KEKLabel is not its own and unwraps with its own KEK).
      for (const nsClient of [oldCert, oldBearer, newCert, newBearer])
        assert.equal(await joins(nsClient), 'ok');
      const wait = Date.parse(rotated.overlapUntil) - Date.now() + 500;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
      assert.match(await joins(oldCert), /^refused/);
      assert.match(await joins(oldBearer), /^refused/);
      assert.equal(await joins(newCert), 'ok');
      assert.equal(await joins(newBearer), 'ok');
      // Revoked: refused from then on, with every credential it had.
      await rejectsWithCode(
        c.other.request('DELETE', `/api/v1/network-servers/${ns.id}`),
        404,
        'unknown_peer',
      );
      assert.equal(await joins(newCert), 'ok', 'another account’s DELETE changed nothing');
      await c.owner.request('DELETE', `/api/v1/network-servers/${ns.id}`);
      for (const nsClient of [newCert, newBearer, oldCert]) assert.match(await joins(nsClient), /^refused/);
      await rejectsWithCode(c.owner.request('GET', `/api/v1/network-servers/${ns.id}`), 404, 'unknown_peer');
    } finally {
      for (const made of clients) made.close();
    }
  });

  test('the credentials bundle: one zip of the CLI’s files, downloadable once (then 410), never by another account', async () => {
    const c = context();
    const ns = await c.owner.request<Registered>('POST', '/api/v1/network-servers', {
      name: 'bundled',
      netId: '00000D',
      nsId: `00005EEF${hexOf(randomBytes(4))}`,
    });
    secrets.push(ns.kek.key);
    assert.ok(ns.bundle !== null);
    const theirs = await send(c.apiUrl, c.otherToken, 'GET', ns.bundle.url);
    assert.equal(theirs.status, 404);
    const res = await send(c.apiUrl, c.ownerToken, 'GET', ns.bundle.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const text = (name: string) => Buffer.from(files[name] ?? new Uint8Array()).toString('utf8');
    assert.equal(text('kek'), `${ns.kek.label} ${ns.kek.key}\n`);
    assert.equal(text('bearer-token'), `${ns.bearerToken}\n`);
    for (const name of [
      'ca.pem',
      'client.pem',
      'client-key.pem',
      'network-server.json',
      'chirpstack/joinery.toml',
      'chirpstack-v3/chirpstack-network-server.toml',
      'the-things-stack/ttn-lw-stack.yml',
      'the-things-stack/key-vault.yml',
      'the-things-stack/interop/config.yml',
      'the-things-stack/interop/joinery/js.yml',
    ])
      assert.ok(files[name] !== undefined, name);
    const meta = JSON.parse(text('network-server.json')) as {
      id: string;
      biUrl: string;
      joinEuiPrefixes: string[];
    };
    assert.equal(meta.id, ns.id);
    assert.equal(new URL(meta.biUrl).port, c.biUrl.port);
    assert.ok(meta.joinEuiPrefixes.includes(`${c.joinEui}/64`));
    const again = await send(c.apiUrl, c.ownerToken, 'GET', ns.bundle.url);
    assert.equal(again.status, 410);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'bundle_gone');
  });

  return { secrets: () => secrets };
}
