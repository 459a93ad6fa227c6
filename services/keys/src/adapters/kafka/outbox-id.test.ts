import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareOutboxIds, isOutboxId } from './outbox-id.js';

describe('compareOutboxIds', () => {
  for (const [a, b, expected] of [
    // Redis stream ids: milliseconds, then the sequence within the millisecond, both numerically.
    ['1700000000000-0', '1700000000000-1', -1],
    ['1700000000000-9', '1700000000000-10', -1],
    ['1700000000001-0', '1700000000000-99', 1],
    ['999-0', '1000-0', -1],
    ['1700000000000-5', '1700000000000-5', 0],
    // LMDB ids: integers, numerically (not as strings).
    ['9', '10', -1],
    ['10', '9', 1],
    ['42', '42', 0],
    // Beyond 2^53.
    ['18446744073709551615-0', '18446744073709551614-7', 1],
  ] as const)
    test(`${a} vs ${b} is ${expected}`, () => {
      assert.equal(compareOutboxIds(a, b), expected);
      assert.equal(compareOutboxIds(b, a), -expected || 0);
    });

  test('anything else is not an outbox id', () => {
    for (const id of ['', 'abc', '1-', '-1', '1-2-3', ' 1', '0x10']) {
      assert.equal(isOutboxId(id), false, id);
      assert.throws(() => compareOutboxIds(id, '1'));
    }
    assert.equal(isOutboxId('1700000000000-0'), true);
    assert.equal(isOutboxId('17'), true);
  });
});
