import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type VectorFile, hexField, intField, loadVectors, strField } from './test-vectors.js';

test('a missing vector file fails with a message naming the expected path', async () => {
  await assert.rejects(
    loadVectors('no-such-file' as VectorFile),
    /vectors missing or unreadable at .*libs\/lorawan\/vectors\/no-such-file\.json/,
  );
});

test('field accessors refuse missing or mistyped fields instead of yielding empty values', () => {
  const v = { id: 'x', verified: true, a: 'ab', n: 1 };
  assert.deepEqual(hexField(v, 'a'), Uint8Array.of(0xab));
  assert.equal(intField(v, 'n'), 1);
  assert.throws(() => hexField(v, 'missing'), /x: field missing/);
  assert.throws(() => strField(v, 'n'), /x: field n/);
  assert.throws(() => intField(v, 'a'), /x: field a/);
});
