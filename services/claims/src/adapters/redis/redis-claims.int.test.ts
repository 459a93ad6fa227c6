import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { requireInfra } from '@joinery/testing/infra';
import { Redis } from 'ioredis';
import { claimsErrors } from '../../domain/errors.js';
import {
  authorized,
  bearer,
  claimFor,
  createHarness,
  createOwner,
  devEui,
  importDevices,
  joinOutcome,
  listedDevEuis,
  networkServerInput,
  rejectsWith,
  transferInput,
} from '../../testing/harness.js';
import { createRedisClaimsStore } from './redis-store.js';

const { REDIS_URL: url } = requireInfra('REDIS_URL');

const redisStore = () =>
  createRedisClaimsStore(new Redis(url), {
    prefix: `test:${randomBytes(6).toString('hex')}:claims:`,
    ownsConnection: true,
  });

test('against Redis: of owners racing for the same devices exactly one wins each', async () => {
  const h = await createHarness({ store: redisStore() });
  try {
    await importDevices(h, 5);
    const owners = await Promise.all(['a', 'b', 'c'].map((n, i) => createOwner(h, n, `00001${i}`)));
    for (let n = 1; n <= 5; n += 1) {
      const results = await Promise.allSettled(owners.map((o) => claimFor(h, o, n)));
      const winners = results.filter((r) => r.status === 'fulfilled');
      assert.equal(winners.length, 1, `device ${n}`);
      for (const r of results)
        if (r.status === 'rejected') assert.ok(JoineryError.is(r.reason, claimsErrors.already_claimed.code));
      assert.deepEqual(h.publisher.kinds(devEui(n)), ['imported', 'claimed']);
    }
  } finally {
    await h.store.close();
  }
});

test('against Redis: transfer, then the old NS is refused and the new one authorized', async () => {
  const h = await createHarness({ store: redisStore() });
  try {
    await importDevices(h, 1);
    const a = await createOwner(h, 'a', '000013');
    const ns2 = await h.claims.peers.registerNetworkServer(
      a.principal,
      networkServerInput({ name: 'ns2', netId: '000015' }),
    );
    await claimFor(h, a, 1);
    await h.claims.devices.transfer(a.principal, transferInput(1, ns2.peer.id));
    const join = (token: string, senderNetId: string) =>
      authorized(joinOutcome(h, a, 1, { credential: bearer(token), senderNetId }));
    await rejectsWith(join(a.ns.bearerToken, '000013'), claimsErrors.not_authorized.code);
    const ok = await join(ns2.credentials.bearerToken, '000015');
    assert.equal(ok.networkServer.id, ns2.peer.id);
    assert.deepEqual(await listedDevEuis(h, a.principal), [devEui(1)]);
  } finally {
    await h.store.close();
  }
});
