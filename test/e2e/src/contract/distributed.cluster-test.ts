// The management contract against the distributed services on a 6-node Redis Cluster (`npm run test:cluster`):
// keys, claims, billing on `redis-cluster://`, Kafka and SoftHSM2 as in distributed.int.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requireClusterInfra } from '@joinery/testing/infra';
import { startDistributedStack, type DistributedStack } from './distributed-stack.js';
import { managementContract } from './management-contract.js';

describe('distributed mode on Redis Cluster (Kafka, SoftHSM2)', () => {
  let stack: DistributedStack;
  before(async () => {
    stack = await startDistributedStack({
      vault: 'pkcs11',
      redisDb: 0,
      redisClusterUrl: requireClusterInfra().REDIS_CLUSTER_URL,
    });
  });
  after(async () => {
    await stack?.stop();
  });

  const run = managementContract(() => stack);

  test('the services run on the cluster, and no key reached the log of any service', () => {
    for (const [name, p] of Object.entries(stack.processes)) {
      const text = p.logTail(100_000);
      assert.ok(!/CROSSSLOT/.test(text), `${name} met a cross-slot command`);
      const upper = text.toUpperCase();
      for (const secret of run.secrets()) assert.ok(!upper.includes(secret), `a key reached the ${name} log`);
    }
  });
});
