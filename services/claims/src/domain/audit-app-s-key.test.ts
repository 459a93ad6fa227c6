import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { admin, createHarness, createOwner, devEui } from '../testing/harness.js';
import { claimsErrors } from './errors.js';

/** The first page of `keys.released` entries the principal may see. */
const query = { accountId: null, cursor: null, limit: 50, action: 'keys.released', since: null, until: null };

test("an AS's AppSKey release is keys.released in its account: actor the AS, target the device, no key", async () => {
  const h = await createHarness();
  const a = await createOwner(h, 'a', '000013');
  const b = await createOwner(h, 'b', '000014');
  const entry = await h.claims.audit.recordAppSKeyRelease({
    applicationServerId: a.as.id,
    devEui: devEui(1),
    sessionKeyId: '0102030405060708',
  });
  assert.deepEqual(
    [entry.accountId, entry.action, entry.actor, entry.target, entry.details],
    [
      a.principal.accountId,
      'keys.released',
      { type: 'application-server', id: a.as.id, name: 'a-as' },
      { type: 'device', id: devEui(1) },
      { asId: 'a-as', sessionKeyId: '0102030405060708' },
    ],
  );
  assert.deepEqual(
    (await h.claims.audit.list(a.principal, query)).items.map((e) => e.id),
    [entry.id],
  );
  assert.equal((await h.claims.audit.list(b.principal, query)).items.length, 0, 'not in another account');
  assert.equal((await h.claims.audit.list(admin, query)).items.length, 1);
});

test('a release for an unknown peer or a network server is refused and records nothing', async () => {
  const h = await createHarness();
  const a = await createOwner(h, 'a', '000013');
  for (const applicationServerId of ['nope', a.ns.id])
    await assert.rejects(
      h.claims.audit.recordAppSKeyRelease({ applicationServerId, devEui: devEui(1), sessionKeyId: '01' }),
      (e: unknown) => JoineryError.is(e, claimsErrors.unknown_peer.code),
    );
  assert.equal((await h.claims.audit.list(admin, query)).items.length, 0);
});
