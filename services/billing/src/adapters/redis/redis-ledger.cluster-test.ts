// The ledger contract on a 6-node Redis Cluster (`npm run test:cluster`).
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { connectRedisUrl, waitForRedis, type Cluster, type Redis } from '@joinery/store';
import { requireClusterInfra } from '@joinery/testing/infra';
import { chargeLedgerContract } from '../../domain/ledger.contract.js';
import { createRedisLedger } from './redis-ledger.js';

const connections: (Redis | Cluster)[] = [];
after(() => {
  for (const redis of connections) redis.disconnect();
});

chargeLedgerContract('Redis Cluster', async () => {
  const { REDIS_CLUSTER_URL } = requireClusterInfra();
  const redis = connectRedisUrl(REDIS_CLUSTER_URL, { connectionName: 'billing-ledger-cluster-contract' });
  connections.push(redis);
  await waitForRedis(redis);
  return createRedisLedger(redis, { prefix: `joinery:billing-test:${randomUUID()}` });
});
