import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { openLmdbClaimsStore } from '../adapters/embedded/lmdb-store.js';
import { admin, createHarness, createOwner, rejectsWith } from '../testing/harness.js';
import { claimsErrors } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-bundles-'));
let stores = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

test('a bundle is stored sealed, downloaded once, then gone; another account gets unknown_bundle', async () => {
  const h = await createHarness();
  const a = await createOwner(h, 'a', '000013');
  const b = await createOwner(h, 'b', '000014');
  const archive = new Uint8Array(Buffer.from('PK\u0003\u0004 secret KEK 00112233445566778899AABBCCDDEEFF'));
  const { id, expiresAt } = await h.claims.bundles.store(a.principal, a.ns.id, archive);
  assert.equal(expiresAt.getTime() - h.clock.now().getTime(), 3_600_000);
  const stored = await h.store.getBundle(id);
  assert.ok(stored?.sealed?.startsWith('v1:'));
  assert.ok(!JSON.stringify(stored).includes('00112233445566778899AABBCCDDEEFF'), 'stored sealed');
  // Another account, another peer of the same account, an unknown id: one answer, and the bundle stays.
  await rejectsWith(h.claims.bundles.take(b.principal, a.ns.id, id), claimsErrors.unknown_bundle.code);
  await rejectsWith(h.claims.bundles.take(a.principal, a.as.id, id), claimsErrors.unknown_bundle.code);
  await rejectsWith(
    h.claims.bundles.take(a.principal, a.ns.id, 'bndl_nope'),
    claimsErrors.unknown_bundle.code,
  );
  await rejectsWith(h.claims.bundles.store(b.principal, a.ns.id, archive), claimsErrors.unknown_peer.code);
  const [first, second] = await Promise.allSettled([
    h.claims.bundles.take(a.principal, a.ns.id, id),
    h.claims.bundles.take(a.principal, a.ns.id, id),
  ]);
  const got = [first, second].filter((r) => r.status === 'fulfilled');
  assert.equal(got.length, 1, 'of two racing downloads one gets it');
  assert.deepEqual(new Uint8Array((got[0] as PromiseFulfilledResult<Uint8Array>).value), archive);
  await rejectsWith(h.claims.bundles.take(a.principal, a.ns.id, id), claimsErrors.bundle_gone.code);
  assert.equal((await h.store.getBundle(id))?.sealed, null, 'deleted after download');
});

test('a bundle expires after an hour; the sweep empties it, then forgets it a day later', async () => {
  const h = await createHarness();
  const a = await createOwner(h, 'a', '000013');
  const one = await h.claims.bundles.store(a.principal, a.ns.id, new Uint8Array([1, 2, 3]));
  const two = await h.claims.bundles.store(a.principal, a.ns.id, new Uint8Array([4]));
  h.clock.advance(3_600_000);
  await rejectsWith(h.claims.bundles.take(a.principal, a.ns.id, one.id), claimsErrors.bundle_gone.code);
  await h.claims.bundles.sweep();
  assert.equal((await h.store.getBundle(two.id))?.sealed, null);
  await rejectsWith(h.claims.bundles.take(admin, a.ns.id, two.id), claimsErrors.bundle_gone.code);
  h.clock.advance(24 * 3_600_000);
  await h.claims.bundles.sweep();
  assert.equal(await h.store.getBundle(two.id), undefined);
  for (const size of [0, 1024 * 1024 + 1])
    await rejectsWith(
      h.claims.bundles.store(a.principal, a.ns.id, new Uint8Array(size)),
      claimsErrors.invalid_argument.code,
    );
});

for (const [name, open] of [
  ['memory', () => undefined],
  ['lmdb', () => openLmdbClaimsStore(join(dir, `claims-${(stores += 1)}`))],
] as const)
  test(`${name}: a peer holds at most maxBundlesPerPeer bundles waiting; a download or the hour frees one`, async () => {
    const store = open();
    const h = await createHarness({ ...(store === undefined ? {} : { store }), maxBundlesPerPeer: 3 });
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    const archive = new Uint8Array([1, 2, 3]);
    const stored = [];
    for (let i = 0; i < 3; i += 1) {
      stored.push(await h.claims.bundles.store(a.principal, a.ns.id, archive));
      h.clock.advance(60_000);
    }
    const refused = await h.claims.bundles.store(a.principal, a.ns.id, archive).catch((err: unknown) => err);
    assert.ok(JoineryError.is(refused, claimsErrors.too_many_bundles.code), String(refused));
    // The oldest of the three frees its slot 57 minutes from now.
    assert.deepEqual(refused.details, { limit: 3, retry_after_s: 57 * 60 });
    // Another peer of the same account, and another account's, are not affected.
    await h.claims.bundles.store(a.principal, a.as.id, archive);
    for (let i = 0; i < 3; i += 1) await h.claims.bundles.store(b.principal, b.ns.id, archive);
    // Downloading one frees its slot at once; a failed download (another account's) frees nothing.
    await rejectsWith(
      h.claims.bundles.take(b.principal, a.ns.id, stored[1]?.id ?? ''),
      claimsErrors.unknown_bundle.code,
    );
    await rejectsWith(
      h.claims.bundles.store(a.principal, a.ns.id, archive),
      claimsErrors.too_many_bundles.code,
    );
    await h.claims.bundles.take(a.principal, a.ns.id, stored[1]?.id ?? '');
    await h.claims.bundles.store(a.principal, a.ns.id, archive);
    await rejectsWith(
      h.claims.bundles.store(a.principal, a.ns.id, archive),
      claimsErrors.too_many_bundles.code,
    );
    // An hour after the first, its slot is free again, taken or not.
    h.clock.advance(58 * 60_000);
    await h.claims.bundles.store(a.principal, a.ns.id, archive);
    await rejectsWith(
      h.claims.bundles.store(a.principal, a.ns.id, archive),
      claimsErrors.too_many_bundles.code,
    );
    await h.store.close();
  });
