import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxJoinNonce, type NonceCheck } from '../../domain/ports.js';
import { JoinNonceCache } from './join-nonce-cache.js';

const counter = (devNonce: number): NonceCheck => ({ kind: 'dev_nonce', policy: 'counter', devNonce });
const history = (devNonce: number): NonceCheck => ({
  kind: 'dev_nonce',
  policy: 'history',
  devNonce,
  historySize: 8,
});

test('the cache holds at most its capacity, the least recently accepted device leaving first', () => {
  const cache = new JoinNonceCache(3);
  for (const dev of ['A', 'B', 'C']) cache.accepted(dev, 1, 1);
  cache.accepted('A', 2, 2);
  cache.accepted('D', 1, 1);
  assert.equal(cache.guess('B', counter(5)), undefined, 'B was the least recently accepted');
  for (const [dev, next] of [
    ['A', 3],
    ['C', 2],
    ['D', 2],
  ] as const)
    assert.equal(cache.guess(dev, counter(5)), next);
  for (let i = 0; i < 10_000; i++) cache.accepted(`F${i}`, 1, 1);
  assert.equal(cache.guess('A', counter(5)), undefined);
  assert.equal(cache.guess('F9999', counter(5)), 2);
  assert.equal(cache.guess('F9996', counter(5)), undefined);
});

test('the guess never goes back, and names none for a retry, a replay or an exhausted device', () => {
  const cache = new JoinNonceCache(10);
  cache.accepted('A', 5, 7);
  cache.accepted('A', 4, 6);
  assert.equal(cache.guess('A', counter(8)), 6, 'an older commit arriving late changes nothing');
  assert.equal(cache.guess('A', counter(7)), undefined);
  assert.equal(cache.guess('A', counter(3)), undefined);
  assert.equal(cache.guess('A', history(7)), undefined);
  assert.equal(cache.guess('A', history(3)), 6, 'the history policy: only the last DevNonce is known');
  assert.equal(cache.guess('A', { kind: 'rj_count1', rjCount: 0 }), 6);
  cache.accepted('A', 6, undefined);
  assert.equal(cache.guess('A', counter(7)), undefined, 'a rejoin keeps the last DevNonce');
  cache.accepted('B', maxJoinNonce, 1);
  assert.equal(cache.guess('B', counter(2)), undefined);
});

test('a stale answer refreshes a device already held and forgets its DevNonce; it adds none', () => {
  const cache = new JoinNonceCache(10);
  cache.stale('A', 9);
  assert.equal(cache.guess('A', counter(1)), undefined);
  cache.accepted('A', 2, 5);
  cache.stale('A', 9);
  assert.equal(cache.guess('A', counter(1)), 10);
  cache.stale('A', 3);
  assert.equal(cache.guess('A', counter(1)), 10, 'never back');
});
