import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  test('keeps a peer for the TTL, then forgets it', () => {
    let now = 1_000;
    const cache = new ExpiringCache<string>({ ttlMs: 500, now: () => now });
    cache.set('cert:AA', 'ns-1');
    assert.equal(cache.get('cert:AA'), 'ns-1');
    now += 499;
    assert.equal(cache.get('cert:AA'), 'ns-1');
    now += 1;
    assert.equal(cache.get('cert:AA'), undefined);
  });

  test('a TTL of 0 disables it', () => {
    const cache = new ExpiringCache<string>({ ttlMs: 0 });
    cache.set('cert:AA', 'ns-1');
    assert.equal(cache.get('cert:AA'), undefined);
  });

  test('delete says whether the credential was cached', () => {
    const cache = new ExpiringCache<string>({ ttlMs: 1000 });
    cache.set('token:x', 'ns-1');
    assert.equal(cache.delete('token:x'), true);
    assert.equal(cache.delete('token:x'), false);
    assert.equal(cache.get('token:x'), undefined);
  });

  test('bounded: the oldest entries go first', () => {
    const cache = new ExpiringCache<number>({ ttlMs: 1000, maxEntries: 3 });
    for (let i = 1; i <= 5; i += 1) cache.set(`k${i}`, i);
    assert.deepEqual(
      ['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => cache.get(k)),
      [undefined, undefined, 3, 4, 5],
    );
  });
});
