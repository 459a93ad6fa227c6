import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { waitFor } from './wait.js';

test('waitFor retries until the attempt succeeds and returns its value', async () => {
  let attempts = 0;
  const value = await waitFor(
    async () => {
      attempts += 1;
      if (attempts < 3) throw new Error('not yet');
      return 'ready';
    },
    { what: 'thing', timeoutMs: 5_000, intervalMs: 1 },
  );
  assert.equal(value, 'ready');
  assert.equal(attempts, 3);
});

test('waitFor gives up after the bound with testing:infra_timeout, the last error and the diagnostics', async () => {
  await assert.rejects(
    waitFor(() => Promise.reject(new Error('connection refused')), {
      what: 'Kafka at 127.0.0.1:1',
      timeoutMs: 50,
      intervalMs: 5,
      diagnostics: () => 'broker log:\nFATAL no space',
    }),
    (err: unknown) => {
      assert.ok(JoineryError.is(err, 'testing:infra_timeout'));
      assert.match(
        err.message,
        /^Kafka at 127\.0\.0\.1:1 not ready after 0\.05 s; last error: connection refused\nbroker log:\nFATAL no space$/,
      );
      return true;
    },
  );
});

test('waitFor stops at once when the abort check gives a reason', async () => {
  let attempts = 0;
  await assert.rejects(
    waitFor(
      async () => {
        attempts += 1;
        throw new Error('refused');
      },
      {
        what: 'Redis',
        timeoutMs: 60_000,
        intervalMs: 1,
        abort: () => (attempts >= 2 ? 'exited with code 1' : undefined),
      },
    ),
    (err: unknown) =>
      JoineryError.is(err, 'testing:infra_unavailable') && err.message === 'Redis: exited with code 1',
  );
  assert.equal(attempts, 2);
});
