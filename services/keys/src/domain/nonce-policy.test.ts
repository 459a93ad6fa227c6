import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideReserve, devNonceCheck, emptyNonceRecord } from './nonce-policy.js';
import { maxJoinNonce } from './ports.js';

test('devNonceCheck picks the history policy for 1.0.0–1.0.3 and the counter policy for 1.0.4/1.1', () => {
  for (const v of ['1.0.0', '1.0.1', '1.0.2', '1.0.3'] as const)
    assert.deepEqual(devNonceCheck(v, 9, 1024), {
      kind: 'dev_nonce',
      policy: 'history',
      devNonce: 9,
      historySize: 1024,
    });
  for (const v of ['1.0.4', '1.1'] as const)
    assert.deepEqual(devNonceCheck(v, 9, 1024), { kind: 'dev_nonce', policy: 'counter', devNonce: 9 });
});

test('decideReserve: table of nonce checks', () => {
  const base = {
    ...emptyNonceRecord(),
    joinNonce: 4,
    lastDevNonce: 10,
    devNonceHistory: [3, 10],
    lastRjCount0: 2,
    rejoinFrameHistory: ['C00002'],
    lastRjCount1: 7,
  };
  const rows = [
    [
      { kind: 'dev_nonce', policy: 'counter', devNonce: 11 },
      { ok: true, joinNonce: 5 },
    ],
    [
      { kind: 'dev_nonce', policy: 'counter', devNonce: 10 },
      { ok: false, refusal: 'dev_nonce_too_small' },
    ],
    [
      { kind: 'dev_nonce', policy: 'history', devNonce: 3, historySize: 4 },
      { ok: false, refusal: 'dev_nonce_replayed' },
    ],
    [
      { kind: 'dev_nonce', policy: 'history', devNonce: 1, historySize: 4 },
      { ok: true, joinNonce: 5 },
    ],
    [
      { kind: 'rj_count0', rjCount: 2, frame: 'C00002', historySize: 4 },
      { ok: false, refusal: 'rj_count_replayed' },
    ],
    [
      { kind: 'rj_count0', rjCount: 0, frame: 'C00200', historySize: 4 },
      { ok: true, joinNonce: 5 },
    ],
    [
      { kind: 'rj_count0', rjCount: 2, frame: 'C00202', historySize: 4 },
      { ok: true, joinNonce: 5 },
    ],
    [
      { kind: 'rj_count1', rjCount: 7 },
      { ok: false, refusal: 'rj_count_replayed' },
    ],
    [
      { kind: 'rj_count1', rjCount: 8 },
      { ok: true, joinNonce: 5 },
    ],
  ] as const;
  for (const [check, expected] of rows) {
    const decision = decideReserve(base, check, maxJoinNonce);
    assert.deepEqual(
      decision.ok ? { ok: true, joinNonce: decision.joinNonce } : decision,
      expected,
      JSON.stringify(check),
    );
  }
});

test('decideReserve: the history is bounded FIFO; a join clears RJcount0; 0xFFFFFF is the last JoinNonce', () => {
  const d = decideReserve(
    { ...emptyNonceRecord(), devNonceHistory: [1, 2, 3] },
    { kind: 'dev_nonce', policy: 'history', devNonce: 4, historySize: 3 },
    maxJoinNonce,
  );
  assert.ok(d.ok);
  assert.deepEqual(d.next.devNonceHistory, [2, 3, 4]);
  assert.equal(d.next.lastRjCount0, -1);
  const last = decideReserve(
    { ...emptyNonceRecord(), joinNonce: 0xfffffe },
    { kind: 'dev_nonce', policy: 'counter', devNonce: 0 },
    maxJoinNonce,
  );
  assert.ok(last.ok && last.joinNonce === 0xffffff);
  assert.deepEqual(
    decideReserve(
      { ...emptyNonceRecord(), joinNonce: 0xffffff },
      { kind: 'dev_nonce', policy: 'counter', devNonce: 0 },
      maxJoinNonce,
    ),
    { ok: false, refusal: 'join_nonce_exhausted' },
  );
});
