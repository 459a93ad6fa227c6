import { randomBytes } from 'node:crypto';
import { requireInfra } from '@joinery/testing/infra';
import { Redis } from 'ioredis';
import { accessStoreContract } from '../../domain/access-store.contract.js';
import { claimsStoreContract } from '../../domain/claims-store.contract.js';
import { kvClaimsStoreContract } from '../kv/kv-claims-store.contract.js';
import { RedisKv } from './redis-kv.js';
import { createRedisClaimsStore } from './redis-store.js';

const { REDIS_URL: url } = requireInfra('REDIS_URL');

const prefix = () => `test:${randomBytes(6).toString('hex')}:claims:`;

// Each store gets its own key prefix on the shared Redis, so tests never see each other's data.
claimsStoreContract('redis', async () =>
  createRedisClaimsStore(new Redis(url, { lazyConnect: false }), {
    prefix: prefix(),
    ownsConnection: true,
  }),
);
kvClaimsStoreContract(
  'redis',
  async () => new RedisKv(new Redis(url, { lazyConnect: false }), prefix(), true),
);
accessStoreContract('redis', async () =>
  createRedisClaimsStore(new Redis(url, { lazyConnect: false }), { prefix: prefix(), ownsConnection: true }),
);
