import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateCache } from './duplicate-cache.js';

test('returns the cached value within the window and recomputes after it', async () => {
  let now = 0;
  let computed = 0;
  const cache = new DuplicateCache<number>({ windowMs: 1000, now: () => now });
  const compute = async () => ++computed;
  assert.deepEqual(await cache.getOrCompute('k', compute, () => true), { value: 1, duplicate: false });
  now = 999;
  assert.deepEqual(await cache.getOrCompute('k', compute, () => true), { value: 1, duplicate: true });
  now = 1000;
  assert.deepEqual(await cache.getOrCompute('k', compute, () => true), { value: 2, duplicate: false });
});

test('values refused by keep and failures are not cached', async () => {
  const cache = new DuplicateCache<number>({ windowMs: 1000 });
  await cache.getOrCompute(
    'k',
    async () => 1,
    () => false,
  );
  assert.equal(cache.size, 0);
  await assert.rejects(
    cache.getOrCompute(
      'k',
      async () => Promise.reject(new Error('x')),
      () => true,
    ),
  );
  assert.equal(cache.size, 0);
});
