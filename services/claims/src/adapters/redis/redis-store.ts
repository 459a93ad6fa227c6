import type { Cluster, Redis } from 'ioredis';
import { KvClaimsStore } from '../kv/kv-claims-store.js';
import { RedisKv } from './redis-kv.js';

/** The distributed-mode store over an ioredis connection (closed with the store when `ownsConnection`). */
export function createRedisClaimsStore(
  redis: Redis | Cluster,
  options: { prefix?: string; ownsConnection?: boolean } = {},
): KvClaimsStore {
  return new KvClaimsStore(new RedisKv(redis, options.prefix ?? 'claims:', options.ownsConnection ?? false));
}
