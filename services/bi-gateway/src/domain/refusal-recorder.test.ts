import { JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefusalRecorder, type RefusalRecord } from './refusal-recorder.js';

const refusal = (errorCode: string): RefusalRecord => ({ event: { errorCode, resultCode: 'Other' } });
const unavailable = () => new JoineryError('grpc:unavailable', 'unavailable', 'connection refused');

async function until(condition: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`still waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('each refusal is sent once, in order, and nothing stays pending', async () => {
  const sent: string[] = [];
  const recorder = new RefusalRecorder({
    send: async (r) => void sent.push(r.event?.errorCode ?? ''),
    logger: captureLogs().logger,
    concurrency: 1,
  });
  for (const code of ['a', 'b', 'c']) recorder.record(refusal(code));
  await until(() => recorder.pending === 0, 'all sent');
  assert.deepEqual(sent, ['a', 'b', 'c']);
  assert.equal(recorder.lost, 0);
});

test('while keys is unreachable the refusals wait, and reach it once it is back', async () => {
  let up = false;
  let attempts = 0;
  const sent: string[] = [];
  const recorder = new RefusalRecorder({
    send: async (r) => {
      attempts += 1;
      if (!up) throw unavailable();
      sent.push(r.event?.errorCode ?? '');
    },
    logger: captureLogs().logger,
    backoffMs: 5,
    maxBackoffMs: 20,
  });
  recorder.record(refusal('a'));
  recorder.record(refusal('b'));
  await until(() => attempts >= 4, 'several failed attempts');
  assert.equal(recorder.pending, 2);
  assert.deepEqual(sent, []);
  up = true;
  await until(() => recorder.pending === 0, 'written after keys came back');
  assert.deepEqual([...sent].sort(), ['a', 'b']);
  assert.equal(recorder.lost, 0);
});

test('the pause after failures grows: attempts slow down while keys stays down', async () => {
  const at: number[] = [];
  const recorder = new RefusalRecorder({
    send: async () => {
      at.push(Date.now());
      throw unavailable();
    },
    logger: captureLogs().logger,
    concurrency: 1,
    backoffMs: 10,
    maxBackoffMs: 80,
  });
  recorder.record(refusal('a'));
  await until(() => at.length >= 5, 'five attempts');
  await recorder.close(0);
  const gaps = at.slice(1).map((t, i) => t - at[i]!);
  // 10, 20, 40, 80 ms: the last gap is well above the first (timers only fire late, never early).
  assert.ok(gaps[3]! >= 70, `gaps ${gaps.join(', ')}`);
  assert.ok(gaps[3]! > gaps[0]!, `gaps ${gaps.join(', ')}`);
  assert.equal(recorder.lost, 1, 'given up at close');
});

test('bounded: past maxPending a refusal is lost, counted and logged once, not queued', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const logs = captureLogs();
  let lostCalls = 0;
  const recorder = new RefusalRecorder({
    send: () => gate,
    logger: logs.logger,
    maxPending: 3,
    concurrency: 1,
    onLost: () => (lostCalls += 1),
  });
  for (let i = 0; i < 10; i += 1) recorder.record(refusal(String(i)));
  assert.equal(recorder.pending, 3);
  assert.equal(recorder.lost, 7);
  assert.equal(lostCalls, 7);
  const warnings = logs.records().filter((e) => e['msg'] === 'refused joins not recorded as join events');
  assert.equal(warnings.length, 1, 'one warning for a burst of losses');
  assert.equal(warnings[0]?.['reason'], 'queue_full');
  release();
  await until(() => recorder.pending === 0, 'queue drained');
});

test('a refusal keys rejects for another reason is not retried', async () => {
  let attempts = 0;
  const recorder = new RefusalRecorder({
    send: async () => {
      attempts += 1;
      throw new JoineryError('keys:invalid_request', 'invalid_argument', 'bad');
    },
    logger: captureLogs().logger,
    backoffMs: 1,
  });
  recorder.record(refusal('a'));
  await until(() => recorder.pending === 0, 'given up');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(attempts, 1);
  assert.equal(recorder.lost, 1);
});

test('a refusal older than maxAgeMs when keys comes back is given up, not written late', async () => {
  let now = 0;
  let up = false;
  const sent: string[] = [];
  const recorder = new RefusalRecorder({
    send: async (r) => {
      if (!up) throw unavailable();
      sent.push(r.event?.errorCode ?? '');
    },
    logger: captureLogs().logger,
    backoffMs: 1,
    maxBackoffMs: 1,
    maxAgeMs: 1000,
    now: () => now,
  });
  recorder.record(refusal('old'));
  await new Promise((resolve) => setTimeout(resolve, 10));
  now = 5000;
  recorder.record(refusal('new'));
  up = true;
  await until(() => recorder.pending === 0, 'queue settled');
  assert.deepEqual(sent, ['new']);
  assert.equal(recorder.lost, 1);
});

test('close waits for refusals in flight, then refuses new ones', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const sent: string[] = [];
  const recorder = new RefusalRecorder({
    send: async (r) => {
      await gate;
      sent.push(r.event?.errorCode ?? '');
    },
    logger: captureLogs().logger,
  });
  recorder.record(refusal('a'));
  const closed = recorder.close(5000);
  setTimeout(release, 10);
  await closed;
  assert.deepEqual(sent, ['a']);
  recorder.record(refusal('late'));
  assert.equal(recorder.pending, 0);
  assert.equal(recorder.lost, 1);
});
