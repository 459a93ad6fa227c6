import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  admin,
  appSKeyReqOf,
  authorized,
  bearer,
  claimFor,
  claimInput,
  createHarness,
  createOwner,
  devEui,
  homeNetworkOf,
  importDevices,
  joinOutcome,
  listedDevEuis,
  networkServerInput,
  rejectsWith,
  transferInput,
} from '../testing/harness.js';
import { claimsErrors } from './errors.js';
import { defaultKekLabel } from './peers.js';

const authorizeAs = (...args: Parameters<typeof joinOutcome>) => authorized(joinOutcome(...args));

async function world() {
  const h = await createHarness();
  await importDevices(h, 4);
  const x = await createOwner(h, 'x', '000013');
  const y = await createOwner(h, 'y', '000014');
  await claimFor(h, x, 1, { withAs: true });
  await claimFor(h, y, 2);
  return { h, x, y };
}

describe('authorization matrix', () => {
  test('the bound NS is authorized and gets its delivery settings in one answer', async () => {
    const { h, x } = await world();
    const auth = await authorizeAs(h, x, 1);
    assert.equal(auth.device.devEui, devEui(1));
    assert.equal(auth.device.macVersion, '1.0.3');
    assert.equal(auth.networkServer.id, x.ns.id);
    const as = await h.store.getPeer(x.as.id);
    assert.deepEqual(auth.delivery, {
      nwkKekLabel: defaultKekLabel(x.ns.id),
      plaintextNwkKeys: false,
      appSKeyDelivery: 'wrapped',
      appSKeyKekLabel: as?.kekLabel,
      lifetime: 0,
      asyncUrl: null,
      asyncCaPem: null,
    });
    // By certificate fingerprint too, and lenient about hex case.
    const byCert = await authorizeAs(h, x, 1, {
      credential: { kind: 'certificate', fingerprintSha256: x.ns.certFingerprint.toUpperCase() },
      senderNetId: '0x000013',
    });
    assert.equal(byCert.networkServer.id, x.ns.id);
  });

  test('every refusal is the same claims:not_authorized', async () => {
    const { h, x, y } = await world();
    const refusals: [string, Promise<unknown>][] = [
      ['NS X activating NS Y’s device', authorizeAs(h, x, 2)],
      ['NS Y activating NS X’s device', authorizeAs(h, y, 1)],
      ['unknown device', authorizeAs(h, x, 99)],
      ['unclaimed device', authorizeAs(h, x, 3)],
      ['JoinEUI mismatch', authorizeAs(h, x, 1, { joinEui: '70B3D57ED0000001' })],
      ['SenderID not the caller’s NetID', authorizeAs(h, x, 1, { senderNetId: '000014' })],
      ['unknown bearer token', authorizeAs(h, x, 1, { credential: bearer('jns_unknown') })],
      [
        'unknown certificate',
        authorizeAs(h, x, 1, { credential: { kind: 'certificate', fingerprintSha256: 'ab'.repeat(32) } }),
      ],
      [
        'bearer hash used as a certificate',
        authorizeAs(h, x, 1, {
          credential: {
            kind: 'certificate',
            fingerprintSha256: (await h.store.getPeer(x.ns.id))?.credentials[0]?.hash ?? '',
          },
        }),
      ],
      ['AS credential', authorizeAs(h, x, 1, { credential: bearer(x.as.bearerToken) })],
      ['malformed DevEUI', authorizeAs(h, x, 1, { devEui: 'zz' })],
    ];
    for (const [name, p] of refusals) await rejectsWith(p, claimsErrors.not_authorized.code, name);
  });

  test('a refusal is an outcome with its reason; a device refusal names the authenticated caller, a caller refusal not', async () => {
    const { h, x } = await world();
    const outcome = (n: number, overrides: Parameters<typeof joinOutcome>[3] = {}) =>
      joinOutcome(h, x, n, overrides);
    const cases: [string, Awaited<ReturnType<typeof outcome>>, string, string | undefined][] = [
      ['another NS’s device', await outcome(2), 'other_network_server', x.ns.id],
      ['unknown device', await outcome(99), 'unknown_device', x.ns.id],
      ['malformed DevEUI', await outcome(1, { devEui: 'zz' }), 'unknown_device', x.ns.id],
      ['unclaimed device', await outcome(3), 'unclaimed', x.ns.id],
      ['JoinEUI mismatch', await outcome(1, { joinEui: '70B3D57ED0000001' }), 'join_eui_mismatch', x.ns.id],
      ['SenderID mismatch', await outcome(1, { senderNetId: '000014' }), 'unknown_sender', undefined],
      ['unknown token', await outcome(1, { credential: bearer('jns_unknown') }), 'unknown_sender', undefined],
    ];
    for (const [name, answer, reason, callerId] of cases) {
      assert.equal(answer.outcome, 'refused', name);
      if (answer.outcome !== 'refused') continue;
      assert.equal(answer.reason, reason, name);
      assert.equal('networkServer' in answer ? answer.networkServer.id : undefined, callerId, name);
    }
    await h.claims.devices.lock(admin, devEui(1), 'stolen');
    const locked = await outcome(1);
    assert.deepEqual(locked.outcome === 'refused' ? locked.reason : locked.outcome, 'locked');
  });

  test('an NS registered without an NSID is authorized with any BI 1.1 SenderNSID (as TTS sends), and without', async () => {
    const { h, x } = await world();
    const withNsId = await authorizeAs(h, x, 1, { senderNsId: '0000000000000001' });
    assert.equal(withNsId.networkServer.id, x.ns.id);
    assert.equal((await authorizeAs(h, x, 1, { senderNsId: '' })).networkServer.id, x.ns.id);
  });

  test('a revoked token and a locked device are refused', async () => {
    const { h, x } = await world();
    await h.claims.devices.lock(admin, devEui(1), 'x');
    await rejectsWith(authorizeAs(h, x, 1), claimsErrors.not_authorized.code);
    await h.claims.devices.unlock(admin, devEui(1));
    await authorizeAs(h, x, 1);
    const fresh = await h.claims.peers.revokeCredentials(x.principal, x.ns.id, true);
    await rejectsWith(authorizeAs(h, x, 1), claimsErrors.not_authorized.code);
    await rejectsWith(
      authorizeAs(h, x, 1, { credential: { kind: 'certificate', fingerprintSha256: x.ns.certFingerprint } }),
      claimsErrors.not_authorized.code,
    );
    assert.ok(fresh);
    const again = await authorizeAs(h, x, 1, {
      credential: bearer(fresh.bearerToken),
    });
    assert.equal(again.networkServer.id, x.ns.id);
  });

  test('after a transfer the old NS is refused and the new one authorized', async () => {
    const { h, x } = await world();
    const ns2 = await h.claims.peers.registerNetworkServer(x.principal, {
      accountId: null,
      name: 'ns2',
      netId: '000015',
      nsId: '70B3D57ED0001234',
      kekLabel: 'x-ns2',
      appSKeyDelivery: 'session-key-id',
      lifetime: 3600,
      asyncUrl: 'https://ns2.example/async',
      plaintextNwkKeys: false,
    });
    await authorizeAs(h, x, 1);
    await h.claims.devices.transfer(x.principal, transferInput(1, ns2.peer.id));
    await rejectsWith(authorizeAs(h, x, 1), claimsErrors.not_authorized.code);
    const asNs2 = (senderNsId: string | null) =>
      authorizeAs(h, x, 1, {
        credential: bearer(ns2.credentials.bearerToken),
        senderNetId: '000015',
        senderNsId,
      });
    const auth = await asNs2('70b3d57ed0001234');
    assert.equal(auth.networkServer.id, ns2.peer.id);
    assert.deepEqual(auth.delivery, {
      nwkKekLabel: ns2.kek.label,
      plaintextNwkKeys: false,
      appSKeyDelivery: 'session-key-id',
      appSKeyKekLabel: null,
      lifetime: 3600,
      asyncUrl: 'https://ns2.example/async',
      asyncCaPem: null,
    });
    // An NS registered with an NSID must send that one under BI 1.1.
    await rejectsWith(asNs2('70b3d57ed0001235'), claimsErrors.not_authorized.code);
    // BI 1.0 requests carry no SenderNSID.
    await asNs2(null);
  });

  test('after unclaim no NS can activate the device', async () => {
    const { h, x } = await world();
    await h.claims.devices.unclaim(x.principal, devEui(1));
    await rejectsWith(authorizeAs(h, x, 1), claimsErrors.not_authorized.code);
  });

  test('owner A cannot read, claim, transfer or unclaim owner B’s devices', async () => {
    const { h, x, y } = await world();
    const { devices, peers } = h.claims;
    const refusals: [string, () => Promise<unknown>, { code: string }][] = [
      ['read', () => devices.getDevice(x.principal, devEui(2)), claimsErrors.unknown_device],
      ['claim', () => devices.claim(x.principal, claimInput(2, x.ns.id)), claimsErrors.already_claimed],
      [
        'transfer',
        () => devices.transfer(x.principal, transferInput(2, x.ns.id)),
        claimsErrors.unknown_device,
      ],
      ['unclaim', () => devices.unclaim(x.principal, devEui(2)), claimsErrors.unknown_device],
      ['read its NS', () => peers.getPeer(x.principal, y.ns.id), claimsErrors.unknown_peer],
      [
        'revoke its NS',
        () => peers.revokeCredentials(x.principal, y.ns.id, false),
        claimsErrors.unknown_peer,
      ],
    ];
    for (const [name, call, error] of refusals) await rejectsWith(call(), error.code, name);
    assert.deepEqual(await listedDevEuis(h, x.principal, { accountId: y.principal.accountId }), [devEui(1)]);
    assert.equal((await h.claims.devices.getDevice(y.principal, devEui(2))).accountId, y.principal.accountId);
  });
});

describe('peers at the gateway', () => {
  test('AuthenticatePeer resolves NS and AS credentials and refuses unknown ones', async () => {
    const { h, x } = await world();
    assert.equal((await h.claims.gateway.authenticatePeer(bearer(x.ns.bearerToken))).id, x.ns.id);
    const as = await h.claims.gateway.authenticatePeer(bearer(x.as.bearerToken));
    assert.equal(as.kind, 'application-server');
    await rejectsWith(h.claims.gateway.authenticatePeer(bearer('nope')), claimsErrors.unauthenticated.code);
    await rejectsWith(
      h.claims.gateway.authenticatePeer({ kind: 'certificate', fingerprintSha256: 'nothex' }),
      claimsErrors.unauthenticated.code,
    );
  });

  test('AppSKeyReq: only the device’s AS with its own AS-ID', async () => {
    const { h, x, y } = await world();
    const ok = await appSKeyReqOf(h, x, 1);
    assert.equal(ok.applicationServer.id, x.as.id);
    for (const input of [
      { credential: bearer(y.as.bearerToken), senderAsId: 'y-as' },
      { credential: bearer(x.as.bearerToken), senderAsId: 'y-as' },
      { credential: bearer(x.ns.bearerToken), senderAsId: 'x-as' },
    ])
      await rejectsWith(appSKeyReqOf(h, x, 1, input), claimsErrors.not_authorized.code);
  });

  test('HomeNSReq: only the bound NS gets the home NetID', async () => {
    const { h, x, y } = await world();
    assert.deepEqual(await homeNetworkOf(h, x, 1), { netId: '000013', nsId: null });
    await rejectsWith(homeNetworkOf(h, y, 1), claimsErrors.no_roaming_agreement.code);
    await rejectsWith(homeNetworkOf(h, y, 99), claimsErrors.no_roaming_agreement.code);
    await rejectsWith(homeNetworkOf(h, x, 1, { credential: bearer('x') }), claimsErrors.unauthenticated.code);
  });

  test('registration returns KEK, token and a client certificate issued by Joinery’s CA', async () => {
    const { h, x } = await world();
    const reg = await h.claims.peers.registerNetworkServer(x.principal, {
      accountId: null,
      name: 'n',
      netId: '00001A',
      nsId: '70B3D57ED0009999',
      kekLabel: null,
      appSKeyDelivery: 'plaintext',
      lifetime: 0,
      asyncUrl: null,
      plaintextNwkKeys: true,
    });
    assert.equal(reg.kek.key.length, 16);
    assert.equal(reg.kek.label, defaultKekLabel(reg.peer.id));
    assert.equal(h.keys.keks.get(reg.kek.label), 'peer');
    const ca = new X509Certificate(reg.credentials.caCertPem);
    const client = new X509Certificate(reg.credentials.clientCertPem);
    assert.ok(client.verify(ca.publicKey));
    assert.ok(client.checkIssued(ca));
    assert.match(client.subject, /CN=00001A/);
    assert.match(client.subject, /OU=70B3D57ED0009999/);
    assert.equal(client.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(
      client.fingerprint256.replace(/:/g, '').toLowerCase(),
      reg.peer.credentials.find((c) => c.kind === 'certificate')?.hash,
    );
    const stored = JSON.stringify(await h.store.getPeer(reg.peer.id));
    assert.ok(!stored.includes(reg.credentials.bearerToken));
    assert.ok(!stored.includes('PRIVATE KEY'));
    const auth = await h.claims.gateway.authenticatePeer({
      kind: 'certificate',
      fingerprintSha256: client.fingerprint256.replace(/:/g, ''),
    });
    assert.equal(auth.id, reg.peer.id);
    await rejectsWith(
      h.claims.peers.registerNetworkServer(x.principal, networkServerInput({ name: 'n', netId: '0013' })),
      claimsErrors.invalid_argument.code,
    );
  });

  test('the client certificate of the gateway for asynchronous answers names the JoinEUI as CN, for client auth only', async () => {
    const { h } = await world();
    const cert = await h.claims.gateway.issueAsyncClientCertificate('70b3d57ed0002000');
    const x509 = new X509Certificate(cert.certPem);
    assert.ok(x509.checkIssued(new X509Certificate(cert.caCertPem)));
    assert.match(x509.subject, /^CN=70B3D57ED0002000$/m);
    assert.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.match(cert.keyPem, /BEGIN PRIVATE KEY/);
    await assert.rejects(
      h.claims.gateway.issueAsyncClientCertificate('70B3D57E'),
      (err: { code?: string }) => err.code === claimsErrors.invalid_argument.code,
    );
  });

  test('server certificates for the gateway listener carry the hostnames', async () => {
    const { h } = await world();
    const cert = await h.claims.gateway.issueServerCertificate(['joinery.example', '127.0.0.1']);
    const x509 = new X509Certificate(cert.certPem);
    assert.ok(x509.checkIssued(new X509Certificate(cert.caCertPem)));
    assert.ok(x509.checkHost('joinery.example'));
    assert.ok(x509.checkIP('127.0.0.1'));
  });
});
