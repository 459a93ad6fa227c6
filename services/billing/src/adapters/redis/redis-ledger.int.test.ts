import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { connectRedis, waitForRedis, type Redis } from '@joinery/store';
import { requireInfra } from '@joinery/testing/infra';
import { chargeLedgerContract } from '../../domain/ledger.contract.js';
import { createRedisLedger } from './redis-ledger.js';

const connections: Redis[] = [];
after(() => {
  for (const redis of connections) redis.disconnect();
});

chargeLedgerContract('Redis', async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const redis = connectRedis(REDIS_URL, { connectionName: 'billing-ledger-contract' });
  connections.push(redis);
  await waitForRedis(redis);
  return createRedisLedger(redis, { prefix: `joinery:billing-test:${randomUUID()}` });
});
