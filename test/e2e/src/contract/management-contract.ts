// The PRODUCT.md management contract, end to end, as the manufacturer, owners, network servers and an application
// server would live it: REST calls for everything management, Backend Interfaces over mTLS for joins and AppSKeyReq,
// real LoRaWAN crypto on the device side. The same suite runs against embedded mode and the distributed services.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  batchRow,
  createApiClient,
  simulatedDevice,
  SimulatedNetworkServer,
  type ApiClient,
  type JoinOutcome,
  type RegisteredNetworkServer,
  type SimulatedDevice,
} from '@joinery/joinery';
import { keyUnwrap, keyWrap } from '@joinery/lorawan';
import { appSKeyReq, hexOf, rejectsWithCode } from './contract-helpers.js';
import { peopleAndAccessContract, type PeopleAndAccessRun } from './people-and-access-contract.js';
import { lifecycleContract } from './lifecycle-contract.js';

export interface ContractTarget {
  readonly apiUrl: string;
  readonly biUrl: URL;
  readonly adminToken: string;
}

const bytesOf = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** Polls until `check` stops throwing (events travel through the bus); rethrows its last failure at the deadline. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

interface Device {
  readonly devEui: string;
  readonly [key: string]: unknown;
}

export interface ContractRun {
  /** Every key the run handled, upper-case hex: root keys, KEKs, AppSKeys. None may appear in any log. */
  secrets(): string[];
}

/** Registers the contract's tests; `target()` is called once the suite's `before` has started the system. */
export function managementContract(target: () => ContractTarget): ContractRun {
  const joinEui = `70B3D57E${hexOf(randomBytes(4))}`;
  const devices = {
    v103: simulatedDevice('1.0.3'),
    v104: simulatedDevice('1.0.4'),
    v11: simulatedDevice('1.1'),
    wrapped: simulatedDevice('1.0.4'),
    moving: simulatedDevice('1.0.3'),
    leaving: simulatedDevice('1.1'),
  };
  const all = Object.values(devices);
  const accepted = new Map<string, JoinOutcome[]>();
  let admin: ApiClient;
  let owner: ApiClient;
  let ownerId: string;
  let other: ApiClient;
  let ns1: RegisteredNetworkServer;
  let ns2: RegisteredNetworkServer;
  let as: {
    id: string;
    asId: string;
    kek: { label: string; key: string };
    credentials: RegisteredNetworkServer['credentials'];
  };
  let nsClient1: SimulatedNetworkServer;
  let nsClient2: SimulatedNetworkServer;
  let ownerToken = '';
  let otherToken = '';
  let lifecycle: { secrets(): string[] } | undefined;

  let transportKekHex = '';
  let people: PeopleAndAccessRun;
  const join = async (ns: SimulatedNetworkServer, d: SimulatedDevice): Promise<JoinOutcome> => {
    const outcome = await ns.join(d, joinEui);
    if (outcome.ok) accepted.set(d.devEui, [...(accepted.get(d.devEui) ?? []), outcome]);
    return outcome;
  };

  describe('management contract', () => {
    test('the admin creates owner accounts; each gets an API key shown once', async () => {
      const t = target();
      admin = createApiClient(t.apiUrl, t.adminToken);
      const a = await admin.request<{ id: string; name: string; apiKey: string }>(
        'POST',
        '/api/v1/accounts',
        { name: 'Owner A' },
      );
      assert.equal(a.name, 'Owner A');
      assert.ok(a.apiKey.length >= 20);
      ownerId = a.id;
      ownerToken = a.apiKey;
      owner = createApiClient(t.apiUrl, a.apiKey);
      const b = await admin.request<{ id: string; apiKey: string }>('POST', '/api/v1/accounts', {
        name: 'Owner B',
      });
      otherToken = b.apiKey;
      other = createApiClient(t.apiUrl, b.apiKey);
      await rejectsWithCode(owner.request('POST', '/api/v1/accounts', { name: 'nope' }), 403, 'admin_only');
      await rejectsWithCode(
        createApiClient(t.apiUrl, 'wrong').request('GET', '/api/v1/devices'),
        401,
        'unauthenticated',
      );
    });

    test('the manufacturer imports a batch with clear and KEK-wrapped root keys, all or nothing', async () => {
      const transportKek = new Uint8Array(randomBytes(16));
      transportKekHex = hexOf(transportKek);
      const label = `factory-${hexOf(randomBytes(3))}`;
      await admin.request('POST', '/api/v1/transport-keks', { label, key: hexOf(transportKek) });
      const rows = all.map((d) =>
        d === devices.wrapped
          ? { ...batchRow(d), nwkKey: { kekLabel: label, wrapped: hexOf(keyWrap(transportKek, d.nwkKey)) } }
          : batchRow(d),
      );
      const imported = await admin.request<{ imported: number; batchId: string }>(
        'POST',
        '/api/v1/device-batches',
        {
          joinEui,
          manufacturer: 'Acme Sensors',
          devices: rows,
        },
      );
      assert.equal(imported.imported, all.length);
      // One duplicate row makes the whole second batch fail, and its new device is not imported.
      const fresh = simulatedDevice('1.0.4');
      await rejectsWithCode(
        admin.request('POST', '/api/v1/device-batches', {
          joinEui,
          devices: [batchRow(fresh), batchRow(devices.v103)],
        }),
        400,
        'invalid_batch',
      );
      await rejectsWithCode(admin.request('GET', `/api/v1/devices/${fresh.devEui}`), 404, 'unknown_device');
      await rejectsWithCode(
        admin.request('POST', '/api/v1/device-batches', {
          joinEui,
          devices: [{ ...batchRow(fresh), nwkKey: 'zz' }],
        }),
        400,
        'invalid_request',
      );
    });

    test('the owner registers a BI 1.1 NS, a BI 1.0 NS and an AS; secrets are shown once', async () => {
      ns1 = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
        name: 'tts',
        netId: '000013',
        nsId: `00005EEF${hexOf(randomBytes(4))}`,
        appSKeyDelivery: 'session-key-id',
        lifetime: 86_400,
      });
      assert.match(ns1.kek.key, /^[0-9A-F]{32}$/);
      assert.match(ns1.credentials.clientCertPem, /BEGIN CERTIFICATE/);
      assert.match(ns1.credentials.clientKeyPem, /BEGIN PRIVATE KEY/);
      assert.ok(ns1.bearerToken.length >= 20);
      ns2 = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
        name: 'chirpstack',
        netId: '00000A',
        appSKeyDelivery: 'plaintext',
      });
      assert.equal(ns2.nsId, null);
      as = await owner.request('POST', '/api/v1/application-servers', {
        name: 'app',
        asId: `as-${hexOf(randomBytes(3))}.example.net`,
      });
      assert.match(as.kek.key, /^[0-9A-F]{32}$/);
      nsClient1 = new SimulatedNetworkServer(target().biUrl, ns1);
      nsClient2 = new SimulatedNetworkServer(target().biUrl, {
        netId: ns2.netId,
        kek: ns2.kek,
        credentials: ns2.credentials,
      });
      await rejectsWithCode(
        owner.request('POST', '/api/v1/network-servers', { name: 'bad', netId: '13' }),
        400,
        'invalid_request',
      );
    });

    test('claims explain themselves: unknown device, wrong code, then claimed, then already claimed', async () => {
      const d = devices.v103;
      await rejectsWithCode(
        owner.request('POST', '/api/v1/claims', {
          devEui: 'FFFFFFFFFFFFFFFE',
          claimCode: 'x',
          networkServerId: ns1.id,
        }),
        404,
        'unknown_device',
      );
      await rejectsWithCode(
        owner.request('POST', '/api/v1/claims', {
          devEui: d.devEui,
          claimCode: 'not-it',
          networkServerId: ns1.id,
        }),
        403,
        'wrong_claim_code',
      );
      for (const device of all) {
        const claimed = await owner.request<Device>('POST', '/api/v1/claims', {
          devEui: device.devEui,
          claimCode: device.claimCode,
          networkServerId: ns1.id,
          applicationServerId: as.id,
        });
        assert.deepEqual(claimed, {
          devEui: device.devEui,
          joinEui,
          macVersion: device.macVersion,
          claimed: true,
          accountId: ownerId,
          networkServerId: ns1.id,
          activated: false,
          joinCount: 0,
          lastJoinAt: null,
        });
      }
      await rejectsWithCode(
        owner.request('POST', '/api/v1/claims', {
          devEui: d.devEui,
          claimCode: d.claimCode,
          networkServerId: ns1.id,
        }),
        409,
        'already_claimed',
      );
    });

    test('the bound NS joins LoRaWAN 1.0.3, 1.0.4 and 1.1 devices; device and NS hold the same keys', async () => {
      for (const d of all) {
        const outcome = await join(nsClient1, d);
        assert.equal(
          outcome.ok,
          true,
          `${d.macVersion} ${d.devEui}: ${outcome.resultCode} ${outcome.description ?? ''}`,
        );
        assert.match(outcome.sessionKeyId ?? '', /^[0-9A-F]+$/);
      }
      const again = await join(nsClient1, devices.v104);
      assert.equal(again.ok, true);
      assert.ok((again.joinNonce ?? 0) > (accepted.get(devices.v104.devEui)?.[0]?.joinNonce ?? Infinity));
    });

    test('another NS is refused, with the answer an unknown device gets', async () => {
      const refused = await nsClient2.join(devices.v103, joinEui);
      const unknown = await nsClient2.join(simulatedDevice('1.0.3'), joinEui);
      assert.equal(refused.ok, false);
      assert.equal(refused.resultCode, 'UnknownDevEUI');
      assert.equal(unknown.resultCode, refused.resultCode);
      assert.equal(unknown.description, refused.description);
    });

    test('the AS fetches the AppSKey of a session with AppSKeyReq, wrapped under its own KEK', async () => {
      for (const d of [devices.v103, devices.v11]) {
        const session = accepted.get(d.devEui)?.[0];
        assert.ok(session?.sessionKeyId !== undefined);
        const answer = await appSKeyReq(target().biUrl, as, {
          joinEui,
          devEui: d.devEui,
          sessionKeyId: session.sessionKeyId,
        });
        assert.deepEqual(answer['Result'], { ResultCode: 'Success' });
        const envelope = answer['AppSKey'] as { KEKLabel: string; AESKey: string };
        assert.equal(envelope.KEKLabel, as.kek.label);
        assert.equal(hexOf(keyUnwrap(bytesOf(as.kek.key), bytesOf(envelope.AESKey))), session.deviceAppSKey);
      }
      // Each answer is in the owner's audit log as `keys.released` by the AS: device, AS-ID, session, no key.
      type Release = {
        actor: { type: string; id: string; name: string };
        target: { type: string; id: string };
        details: Record<string, unknown>;
      };
      const { items } = await owner.request<{ items: Release[] }>(
        'GET',
        '/api/v1/audit?action=keys.released&limit=500',
      );
      for (const d of [devices.v103, devices.v11]) {
        const release = items.find((e) => e.actor.type === 'application-server' && e.target.id === d.devEui);
        assert.ok(release !== undefined, JSON.stringify(items.slice(0, 3)));
        assert.deepEqual(release.actor, { type: 'application-server', id: as.id, name: 'app' });
        assert.deepEqual(release.target, { type: 'device', id: d.devEui });
        assert.deepEqual(release.details, {
          asId: as.asId,
          sessionKeyId: accepted.get(d.devEui)?.[0]?.sessionKeyId,
        });
        const text = JSON.stringify(release);
        for (const secret of [accepted.get(d.devEui)?.[0]?.deviceAppSKey ?? '', as.kek.key])
          assert.ok(!text.includes(secret), 'no key material in the audit entry');
      }
      const { items: others } = await other.request<{ items: Release[] }>(
        'GET',
        '/api/v1/audit?action=keys.released&limit=500',
      );
      assert.ok(!others.some((e) => e.actor.id === as.id), 'another account does not see the release');
    });

    test('moving a device to another NS: the old NS is refused from now on, the new one accepted', async () => {
      const moved = await owner.request<Device>(
        'PUT',
        `/api/v1/devices/${devices.moving.devEui}/network-server`,
        {
          networkServerId: ns2.id,
        },
      );
      assert.equal(moved['networkServerId'], ns2.id);
      const old = await nsClient1.join(devices.moving, joinEui);
      assert.equal(old.resultCode, 'UnknownDevEUI');
      const fresh = await join(nsClient2, devices.moving);
      assert.equal(fresh.ok, true, `${fresh.resultCode} ${fresh.description ?? ''}`);
    });

    test('unclaiming: no NS can activate the device; a new owner can claim it again', async () => {
      const d = devices.leaving;
      await owner.request('DELETE', `/api/v1/claims/${d.devEui}`);
      for (const ns of [nsClient1, nsClient2]) {
        const refused = await ns.join(d, joinEui);
        assert.equal(refused.resultCode, 'UnknownDevEUI', refused.description);
      }
      const device = await admin.request<Device>('GET', `/api/v1/devices/${d.devEui}`);
      assert.equal(device['claimed'], false);
      assert.equal(device['accountId'], null);
      await rejectsWithCode(owner.request('GET', `/api/v1/devices/${d.devEui}`), 404, 'unknown_device');
      const otherNs = await other.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', {
        name: 'b-ns',
        netId: '00000B',
      });
      await other.request('POST', '/api/v1/claims', {
        devEui: d.devEui,
        claimCode: d.claimCode,
        networkServerId: otherNs.id,
      });
      const client = new SimulatedNetworkServer(target().biUrl, {
        netId: otherNs.netId,
        kek: otherNs.kek,
        credentials: otherNs.credentials,
      });
      try {
        const outcome = await client.join(d, joinEui);
        assert.equal(outcome.ok, true, `${outcome.resultCode} ${outcome.description ?? ''}`);
      } finally {
        client.close();
      }
    });

    test('each device is charged exactly once in its life, to the account that owned it at its first join', async () => {
      const mine = new Set(all.map((d) => d.devEui));
      const charges = await eventually(async () => {
        const listed = await admin.request<{
          charges: {
            devEui: string;
            accountId: string;
            amountMinor: number;
            currency: string;
            chargedAt: string;
          }[];
        }>('GET', '/api/v1/billing/charges');
        const ours = listed.charges.filter((c) => mine.has(c.devEui));
        assert.equal(ours.length, all.length);
        return ours;
      });
      assert.deepEqual(new Set(charges.map((c) => c.devEui)), mine);
      for (const c of charges) {
        assert.equal(c.accountId, ownerId, c.devEui);
        assert.equal(c.amountMinor, 20);
        assert.equal(c.currency, 'USD');
        assert.ok(!Number.isNaN(Date.parse(c.chargedAt)));
      }
      const own = await owner.request<{ charges: { devEui: string }[] }>('GET', '/api/v1/billing/charges');
      assert.equal(own.charges.filter((c) => mine.has(c.devEui)).length, all.length);
      const others = await other.request<{ charges: { devEui: string }[] }>('GET', '/api/v1/billing/charges');
      assert.equal(others.charges.filter((c) => mine.has(c.devEui)).length, 0);
    });

    test('devices show their activation: activated, join count and last join', async () => {
      await eventually(async () => {
        const d = await owner.request<Device>('GET', `/api/v1/devices/${devices.v104.devEui}`);
        assert.equal(d['activated'], true);
        assert.equal(d['joinCount'], 2);
        assert.ok(!Number.isNaN(Date.parse(String(d['lastJoinAt']))));
      });
    });

    test('a device that lost its counter: refused, reset by its owner with a reason (recorded), then accepted', async () => {
      // LoRaWAN 1.0.4: DevNonce 10 is accepted, then the device restarts counting and sends 5, which is refused. (A
      // DevNonce already used would be a duplicate of a recent join and get that join's answer again.)
      const d = devices.v104;
      d.nextDevNonce = 10;
      const last = await join(nsClient1, d);
      assert.equal(last.ok, true, `${last.resultCode} ${last.description ?? ''}`);
      d.nextDevNonce = 5;
      const refused = await nsClient1.join(d, joinEui);
      assert.equal(refused.ok, false);
      assert.match(refused.description ?? '', /DevNonce is not greater than the last one used/);
      d.nextDevNonce = 5;
      await rejectsWithCode(
        other.request('POST', `/api/v1/devices/${d.devEui}/devnonce-resets`, { reason: 'not mine' }),
        404,
        'unknown_device',
      );
      const reset = await owner.request<Record<string, unknown>>(
        'POST',
        `/api/v1/devices/${d.devEui}/devnonce-resets`,
        { reason: 'battery replaced, counter lost' },
      );
      assert.match(String(reset['actor']), new RegExp(`^account:${ownerId}/`));
      assert.equal(reset['reason'], 'battery replaced, counter lost');
      assert.equal(reset['lastDevNonce'], 10);
      const again = await join(nsClient1, d);
      assert.equal(again.ok, true, `${again.resultCode} ${again.description ?? ''}`);
      assert.ok((again.joinNonce ?? 0) > (last.joinNonce ?? Infinity), 'the JoinNonce is never reset');
      const state = await owner.request<Record<string, unknown>>('GET', `/api/v1/devices/${d.devEui}/nonces`);
      assert.equal(state['lastDevNonce'], 5);
      assert.equal(state['joinNonce'], again.joinNonce);
      const resets = state['resets'] as Record<string, unknown>[];
      assert.equal(resets.length, 1, 'the refused reset by another account left no record');
      assert.equal(resets[0]?.['actor'], reset['actor']);
    });

    test('the audit log: the owner sees its changes and which NS got which device keys; the admin sees all', async () => {
      type Entry = { action: string; actor: { type: string; id: string }; target: { id: string } };
      const released = await eventually(async () => {
        const { items } = await owner.request<{ items: Entry[] }>(
          'GET',
          '/api/v1/audit?action=keys.released&limit=500',
        );
        assert.ok(
          items.some((e) => e.target.id === devices.v103.devEui && e.actor.id === ns1.id),
          JSON.stringify(items.slice(0, 3)),
        );
        return items;
      });
      // Releases to an NS (join) or to an AS (AppSKeyReq), nothing else.
      assert.ok(released.every((e) => ['network-server', 'application-server'].includes(e.actor.type)));
      assert.ok(released.some((e) => e.actor.type === 'network-server'));
      const { items } = await owner.request<{ items: Entry[] }>('GET', '/api/v1/audit?limit=500');
      const actions = new Set(items.map((e) => e.action));
      for (const action of [
        'network-server.registered',
        'application-server.registered',
        'device.claimed',
        'device.transferred',
        'device.unclaimed',
        'device.devnonces-reset',
      ])
        assert.ok(actions.has(action), `${action} in ${[...actions].join(' ')}`);
      const { items: others } = await other.request<{ items: Entry[] }>('GET', '/api/v1/audit?limit=500');
      assert.ok(!others.some((e) => e.target.id === devices.v103.devEui && e.action === 'keys.released'));
      const { items: operator } = await admin.request<{ items: Entry[] }>(
        'GET',
        '/api/v1/audit?action=device-batch.imported',
      );
      assert.ok(operator.length >= 1);
    });
    test('system health: the operator sees every component ok; an owner is refused', async () => {
      type Health = {
        status: string;
        components: { name: string; status: string; detail?: string; latencyMs?: number }[];
      };
      const health = await eventually(async () => {
        const h = await admin.request<Health>('GET', '/api/v1/system/health');
        assert.equal(h.status, 'ok', JSON.stringify(h));
        return h;
      });
      assert.deepEqual(
        health.components.map((c) => [c.name, c.status]),
        ['console', 'claims', 'billing', 'store', 'keys', 'bus'].map((name) => [name, 'ok']),
      );
      for (const name of ['claims', 'billing', 'store', 'keys'])
        assert.equal(typeof health.components.find((c) => c.name === name)?.latencyMs, 'number', name);
      await rejectsWithCode(owner.request('GET', '/api/v1/system/health'), 403, 'operator_only');
      await rejectsWithCode(other.request('GET', '/api/v1/system/health'), 403, 'operator_only');
    });
    lifecycle = lifecycleContract(() => ({
      apiUrl: target().apiUrl,
      biUrl: target().biUrl,
      adminToken: target().adminToken,
      admin,
      owner,
      ownerToken,
      other,
      otherToken,
      joinEui,
      device: devices.v103,
      ns: ns1,
      nsClient: nsClient1,
      otherNsClient: nsClient2,
    }));

    test('closing the simulated network servers', () => {
      nsClient1.close();
      nsClient2.close();
      assert.ok(accepted.size >= all.length - 1);
    });

    people = peopleAndAccessContract(target);
  });

  return {
    secrets: () =>
      [
        ...people.secrets(),
        ...all.flatMap((d) => [hexOf(d.nwkKey), ...(d.appKey === undefined ? [] : [hexOf(d.appKey)])]),
        transportKekHex,
        ns1?.kek.key,
        ns2?.kek.key,
        as?.kek.key,
        ...[...accepted.values()].flat().map((o) => o.deviceAppSKey),
        ...(lifecycle?.secrets() ?? []),
      ].filter((k): k is string => k !== undefined && k !== ''),
  };
}
