import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lazyAbort } from './dispatch.js';

test('lazyAbort: a signal read before the abort fires once with the first reason', () => {
  const abort = lazyAbort();
  const { signal } = abort;
  const seen: unknown[] = [];
  signal.addEventListener('abort', () => seen.push(signal.reason));
  assert.equal(signal.aborted, false);
  abort.abort('deadline');
  abort.abort('cancelled');
  assert.deepEqual(seen, ['deadline']);
  assert.equal(abort.signal, signal, 'the same signal every time');
});

test('lazyAbort: a signal first read after the abort is already aborted, with that reason', () => {
  const abort = lazyAbort();
  abort.abort('cancelled');
  assert.equal(abort.signal.aborted, true);
  assert.equal(abort.signal.reason, 'cancelled');
});
