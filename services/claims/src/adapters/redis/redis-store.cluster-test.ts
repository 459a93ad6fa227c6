// The claims store and kv contracts on a 6-node Redis Cluster (`npm run test:cluster`): every script and MULTI of
// the kv adapter stays in one slot, whatever keys the store adds (they follow the `{DEVEUI}` pattern).
import { randomBytes } from 'node:crypto';
import { connectRedisUrl, waitForRedis } from '@joinery/store';
import { requireClusterInfra } from '@joinery/testing/infra';
import { claimsStoreContract } from '../../domain/claims-store.contract.js';
import { kvClaimsStoreContract } from '../kv/kv-claims-store.contract.js';
import { RedisKv } from './redis-kv.js';
import { createRedisClaimsStore } from './redis-store.js';

const { REDIS_CLUSTER_URL: url } = requireClusterInfra();
const prefix = () => `test:${randomBytes(6).toString('hex')}:claims:`;
const cluster = async () => {
  const redis = connectRedisUrl(url, { connectionName: 'claims-cluster-contract' });
  await waitForRedis(redis);
  return redis;
};

claimsStoreContract('redis cluster', async () =>
  createRedisClaimsStore(await cluster(), { prefix: prefix(), ownsConnection: true }),
);
kvClaimsStoreContract('redis cluster', async () => new RedisKv(await cluster(), prefix(), true));
