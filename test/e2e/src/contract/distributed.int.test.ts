// The management contract against the distributed services: five processes on real Redis and Kafka.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDistributedStack, type DistributedStack } from './distributed-stack.js';
import { managementContract } from './management-contract.js';

describe('distributed mode (Redis, Kafka)', () => {
  let stack: DistributedStack;
  before(async () => {
    stack = await startDistributedStack({ vault: 'software', redisDb: 7 });
  });
  after(async () => {
    await stack?.stop();
  });

  const run = managementContract(() => stack);

  test('no key reached the log of any service', () => {
    const secrets = run.secrets();
    assert.ok(secrets.length >= 10);
    for (const [name, p] of Object.entries(stack.processes)) {
      const text = p.logTail(100_000).toUpperCase();
      assert.ok(text.length > 0, name);
      for (const secret of secrets) assert.ok(!text.includes(secret), `a key reached the ${name} log`);
    }
  });
});
