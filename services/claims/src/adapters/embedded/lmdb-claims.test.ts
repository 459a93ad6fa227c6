import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { claimsErrors } from '../../domain/errors.js';
import { claimCodeOf, createHarness, createOwner, devEui, importDevices } from '../../testing/harness.js';
import { openLmdbClaimsStore } from './lmdb-store.js';

const root = mkdtempSync(join(tmpdir(), 'claims-lmdb-svc-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('with LMDB: two owners racing for one device, exactly one wins; state survives a reopen', async () => {
  const path = join(root, 'race');
  const h = await createHarness({ store: openLmdbClaimsStore(path) });
  await importDevices(h, 1);
  const a = await createOwner(h, 'a', '000013');
  const b = await createOwner(h, 'b', '000014');
  const results = await Promise.allSettled(
    [a, b].map((o) =>
      h.claims.devices.claim(o.principal, {
        devEui: devEui(1),
        claimCode: claimCodeOf(1),
        networkServerId: o.ns.id,
        applicationServerId: null,
      }),
    ),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.ok(JoineryError.is(loser?.reason, claimsErrors.already_claimed.code));
  const winner = (await h.store.getDevice(devEui(1)))?.accountId;
  await h.store.close();

  const reopened = await createHarness({ store: openLmdbClaimsStore(path) });
  assert.equal((await reopened.store.getDevice(devEui(1)))?.accountId, winner);
  // The CA survives too: the same CA certificate signs new peers.
  const ca = (await reopened.store.getCa())?.certPem;
  const c = await createOwner(reopened, 'c', '000015');
  assert.ok(c.ns.id);
  assert.equal((await reopened.store.getCa())?.certPem, ca);
  await reopened.store.close();
});
