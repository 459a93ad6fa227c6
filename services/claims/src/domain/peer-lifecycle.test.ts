// The life of an NS/AS registration after it is made: settings changed, credentials rotated with an overlap, revoked.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  appSKeyReqOf,
  bearer,
  claimFor,
  claimInput,
  createHarness,
  createOwner,
  importDevices,
  joinOutcome,
  rejectsWith,
  type Harness,
} from '../testing/harness.js';
import { claimsErrors } from './errors.js';
import type { PeerCredentialInput } from './gateway.js';

const cert = (pem: string): PeerCredentialInput => ({
  kind: 'certificate',
  fingerprintSha256: new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase(),
});

async function claimed(h: Harness) {
  const a = await createOwner(h, 'a', '000013');
  const b = await createOwner(h, 'b', '000014');
  await importDevices(h, 2);
  await claimFor(h, a, 1, { withAs: true });
  const outcomeOf = (credential: PeerCredentialInput) => joinOutcome(h, a, 1, { credential });
  // The authorization of an NS that may activate the device (a refusal fails the test with its reason).
  const authorize = async (credential: PeerCredentialInput) => {
    const outcome = await outcomeOf(credential);
    if (outcome.outcome !== 'authorized') throw new Error(`refused: ${outcome.reason}`);
    return outcome.authorization;
  };
  // Why the NS may not activate the device (an authorization fails the test).
  const refusalOf = async (credential: PeerCredentialInput) => {
    const outcome = await outcomeOf(credential);
    if (outcome.outcome !== 'refused') throw new Error('authorized');
    return outcome.reason;
  };
  return { a, b, authorize, refusalOf };
}

describe('updating a peer', () => {
  test('name, callback, lifetime and delivery change, validated as at registration', async () => {
    const h = await createHarness();
    const { a } = await claimed(h);
    const { peer, warnings } = await h.claims.peers.updatePeer(a.principal, a.ns.id, {
      name: ' renamed ',
      asyncUrl: 'https://ns.example.net/bi',
      lifetime: 3600,
      appSKeyDelivery: 'session-key-id',
    });
    assert.deepEqual(
      [peer.name, peer.asyncUrl, peer.lifetime, peer.appSKeyDelivery, warnings.length],
      ['renamed', 'https://ns.example.net/bi', 3600, 'session-key-id', 0],
    );
    assert.equal(peer.rev, 2);
    assert.equal((await h.claims.gateway.authenticatePeer(bearer(a.ns.bearerToken))).asyncUrl, peer.asyncUrl);
    // The SSRF policy of registration: no loopback or private callbacks, no local names.
    for (const asyncUrl of [
      'https://127.0.0.1/x',
      'http://10.0.0.8/',
      'https://localhost/',
      'ftp://x.example/',
    ])
      await rejectsWith(
        h.claims.peers.updatePeer(a.principal, a.ns.id, { asyncUrl }),
        claimsErrors.invalid_argument.code,
      );
    for (const input of [{ name: '' }, { lifetime: -1 }, { asyncCaPem: 'not pem' }])
      await rejectsWith(
        h.claims.peers.updatePeer(a.principal, a.ns.id, input),
        claimsErrors.invalid_argument.code,
      );
    // An AS has a name only.
    await rejectsWith(
      h.claims.peers.updatePeer(a.principal, a.as.id, { lifetime: 5 }),
      claimsErrors.invalid_argument.code,
    );
    assert.equal((await h.claims.peers.updatePeer(a.principal, a.as.id, { name: 'app' })).peer.name, 'app');
    // Refused changes changed nothing.
    assert.equal((await h.claims.peers.getPeer(a.principal, a.ns.id)).rev, 2);
  });

  test("another account's peer, an unknown one and a revoked one are the same unknown_peer", async () => {
    const h = await createHarness();
    const { a, b } = await claimed(h);
    await h.claims.peers.revokePeer(b.principal, b.as.id);
    for (const id of [a.ns.id, 'ns_unknown', b.as.id]) {
      await rejectsWith(
        h.claims.peers.updatePeer(b.principal, id, { name: 'x' }),
        claimsErrors.unknown_peer.code,
      );
      await rejectsWith(h.claims.peers.rotateCredentials(b.principal, id, 0), claimsErrors.unknown_peer.code);
      await rejectsWith(h.claims.peers.revokePeer(b.principal, id), claimsErrors.unknown_peer.code);
      await rejectsWith(h.claims.peers.getPeer(b.principal, id), claimsErrors.unknown_peer.code);
    }
    assert.equal((await h.claims.peers.getPeer(a.principal, a.ns.id)).name, 'a-ns');
  });
});

describe('rotating credentials', () => {
  test('old and new both work during the overlap, each with its own KEK; the old are refused after it', async () => {
    const h = await createHarness();
    const { a, authorize, refusalOf } = await claimed(h);
    const before = await h.claims.peers.getPeer(a.principal, a.ns.id);
    const oldCert = before.credentials.find((c) => c.kind === 'certificate');
    const rotation = await h.claims.peers.rotateCredentials(a.principal, a.ns.id, 3600);
    assert.equal(rotation.kek.label, `${before.kekLabel}-r1`);
    assert.equal(rotation.kek.key.length, 16);
    assert.equal(rotation.overlapUntil.getTime(), h.clock.now().getTime() + 3_600_000);
    assert.equal(rotation.peer.kekLabel, rotation.kek.label);
    assert.equal(rotation.peer.previousKekLabel, before.kekLabel);
    // The KEK exists in the keys service under the new label.
    assert.ok(h.keys.keks.has(rotation.kek.label));

    const viaOld = await authorize(bearer(a.ns.bearerToken));
    const viaOldCert = await authorize({ kind: 'certificate', fingerprintSha256: oldCert?.hash ?? '' });
    const viaNew = await authorize(bearer(rotation.credentials.bearerToken));
    const viaNewCert = await authorize(cert(rotation.credentials.clientCertPem));
    assert.equal(viaOld.delivery.nwkKekLabel, before.kekLabel);
    assert.equal(viaOldCert.delivery.nwkKekLabel, before.kekLabel);
    assert.equal(viaNew.delivery.nwkKekLabel, rotation.kek.label);
    assert.equal(viaNewCert.delivery.nwkKekLabel, rotation.kek.label);

    h.clock.advance(3_600_000);
    assert.equal(await refusalOf(bearer(a.ns.bearerToken)), 'unknown_sender');
    await rejectsWith(
      h.claims.gateway.authenticatePeer({ kind: 'certificate', fingerprintSha256: oldCert?.hash ?? '' }),
      claimsErrors.unauthenticated.code,
    );
    assert.equal(
      (await authorize(bearer(rotation.credentials.bearerToken))).delivery.nwkKekLabel,
      rotation.kek.label,
    );
  });

  test('an overlap of 0 refuses the old credentials at once; a second rotation extends the first label', async () => {
    const h = await createHarness();
    const { a, authorize, refusalOf } = await claimed(h);
    const first = await h.claims.peers.rotateCredentials(a.principal, a.ns.id, 0);
    assert.equal(await refusalOf(bearer(a.ns.bearerToken)), 'unknown_sender');
    const second = await h.claims.peers.rotateCredentials(a.principal, a.ns.id, null);
    assert.match(second.kek.label, /-r2$/);
    assert.equal(second.kek.label.replace(/-r2$/, '-r1'), first.kek.label);
    // The default overlap is a day.
    assert.equal(second.overlapUntil.getTime() - h.clock.now().getTime(), 86_400_000);
    assert.equal(
      (await authorize(bearer(first.credentials.bearerToken))).delivery.nwkKekLabel,
      first.kek.label,
    );
    for (const overlap of [-1, 604_801, 1.5])
      await rejectsWith(
        h.claims.peers.rotateCredentials(a.principal, a.ns.id, overlap),
        claimsErrors.invalid_argument.code,
      );
  });

  test("an AS's AppSKey: its caller's KEK on AppSKeyReq; the previous KEK in JoinAns during the overlap", async () => {
    const h = await createHarness();
    const { a, authorize } = await claimed(h);
    const before = await h.claims.peers.getPeer(a.principal, a.as.id);
    const rotation = await h.claims.peers.rotateCredentials(a.principal, a.as.id, 600);
    const appSKeyReq = (token: string) => appSKeyReqOf(h, a, 1, { credential: bearer(token) });
    assert.equal((await appSKeyReq(a.as.bearerToken)).kekLabel, before.kekLabel);
    assert.equal((await appSKeyReq(rotation.credentials.bearerToken)).kekLabel, rotation.kek.label);
    assert.equal((await authorize(bearer(a.ns.bearerToken))).delivery.appSKeyKekLabel, before.kekLabel);
    h.clock.advance(600_000);
    assert.equal((await authorize(bearer(a.ns.bearerToken))).delivery.appSKeyKekLabel, rotation.kek.label);
    await rejectsWith(appSKeyReq(a.as.bearerToken), claimsErrors.not_authorized.code);
  });
});

describe('revoking a peer', () => {
  test('every credential is refused from now on; the peer is gone from the API; devices cannot be bound to it', async () => {
    const h = await createHarness();
    const { a, refusalOf } = await claimed(h);
    const rotation = await h.claims.peers.rotateCredentials(a.principal, a.ns.id, 3600);
    await h.claims.peers.revokePeer(a.principal, a.ns.id);
    for (const token of [a.ns.bearerToken, rotation.credentials.bearerToken]) {
      assert.equal(await refusalOf(bearer(token)), 'unknown_sender');
      await rejectsWith(h.claims.gateway.authenticatePeer(bearer(token)), claimsErrors.unauthenticated.code);
    }
    await rejectsWith(h.claims.peers.getPeer(a.principal, a.ns.id), claimsErrors.unknown_peer.code);
    assert.deepEqual(
      (await h.claims.peers.listPeers(a.principal, null, 'network-server')).map((p) => p.id),
      [],
    );
    await rejectsWith(
      h.claims.devices.claim(a.principal, claimInput(2, a.ns.id)),
      claimsErrors.unknown_network_server.code,
    );
    await rejectsWith(h.claims.peers.revokePeer(a.principal, a.ns.id), claimsErrors.unknown_peer.code);
  });
});
