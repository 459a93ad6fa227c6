import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { admin, createHarness, createOwner } from '../testing/harness.js';
import { claimsErrors } from './errors.js';
import type { OutboxBacklog } from './ports.js';

const never = () => new Promise<never>(() => undefined);

test('health: the store answers a read; in-process key custody is ok and has no bus check', async () => {
  const h = await createHarness();
  const components = await h.claims.health.check(admin, 200);
  assert.deepEqual(
    components.map((c) => [c.name, c.status]),
    [
      ['store', 'ok'],
      ['keys', 'ok'],
    ],
  );
  assert.equal(typeof components[0]?.latencyMs, 'number');
});

test('health: the keys service and its outbox; an old backlog makes the bus degraded', async () => {
  const h = await createHarness();
  const now = h.clock.now().getTime();
  let backlog: OutboxBacklog = { events: 0, oldestEventMs: undefined };
  Object.assign(h.keys, { outboxBacklog: async () => backlog });
  let byName = new Map((await h.claims.health.check(admin, 200)).map((c) => [c.name, c]));
  assert.equal(byName.get('keys')?.status, 'ok');
  assert.deepEqual([byName.get('bus')?.status, byName.get('bus')?.detail], ['ok', 'keys event outbox empty']);
  backlog = { events: 3, oldestEventMs: now - 120_000 };
  byName = new Map((await h.claims.health.check(admin, 200)).map((c) => [c.name, c]));
  assert.equal(byName.get('bus')?.status, 'degraded');
  assert.equal(byName.get('bus')?.detail, '3 keys events waiting for the bus, oldest 120 s');
});

test('health: a keys service that does not answer is down within the bound; a failing one is worded', async () => {
  const h = await createHarness();
  Object.assign(h.keys, { outboxBacklog: never });
  // Answered, though keys never does: the bound (timed-check.test.ts times it on mocked timers) gave up on it.
  let byName = new Map((await h.claims.health.check(admin, 100)).map((c) => [c.name, c]));
  assert.equal(byName.get('store')?.status, 'ok');
  assert.deepEqual(
    [byName.get('keys')?.status, byName.get('keys')?.detail],
    ['down', 'no answer within 100 ms'],
  );
  assert.equal(byName.get('bus')?.status, 'down');
  Object.assign(h.keys, {
    outboxBacklog: async () => {
      throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.1.2.3:50052');
    },
  });
  byName = new Map((await h.claims.health.check(admin, 100)).map((c) => [c.name, c]));
  assert.deepEqual(
    [byName.get('keys')?.status, byName.get('keys')?.detail],
    ['down', 'the keys service is not reachable'],
  );
});

test('health: only the admin may ask', async () => {
  const h = await createHarness();
  const owner = await createOwner(h, 'Acme', '000013');
  await assert.rejects(h.claims.health.check(owner.principal, 100), (err: unknown) =>
    JoineryError.is(err, claimsErrors.admin_only.code),
  );
});

test('health: the keys service reports its key vault; a vault failing its check makes keys down', async () => {
  const h = await createHarness();
  let backlog: OutboxBacklog = { events: 0, oldestEventMs: undefined, vault: 'serving' };
  Object.assign(h.keys, { outboxBacklog: async () => backlog });
  const keys = async () => (await h.claims.health.check(admin, 200)).find((c) => c.name === 'keys');
  assert.deepEqual(
    [(await keys())?.status, (await keys())?.detail],
    ['ok', 'keys service and its key vault healthy'],
  );
  backlog = { ...backlog, vault: 'not_serving' };
  assert.equal((await keys())?.status, 'down');
  const bus = (await h.claims.health.check(admin, 200)).find((c) => c.name === 'bus');
  assert.equal(bus?.status, 'ok');
});
