export { connectRedis, defineScript, waitForRedis } from './redis.js';
export type { RedisConnectOptions, RedisScript, ScriptArg } from './redis.js';
export { deviceKey } from './device-key.js';
export { closeEmbeddedStore, openEmbeddedStore } from './embedded-store.js';
export type { EmbeddedStoreOptions } from './embedded-store.js';
export { storeErrors } from './store-errors.js';
export type { Cluster, Redis } from 'ioredis';
export type { Database, RootDatabase } from 'lmdb';
export { createRedisLease } from './redis-lease.js';
export type { RedisLease, RedisLeaseOptions } from './redis-lease.js';
export {
  connectRedisCluster,
  connectRedisUrl,
  isRedisCluster,
  parseRedisClusterUrl,
  redisClusterProtocol,
  redisClusterUrl,
} from './redis-cluster.js';
export type { RedisClusterTarget } from './redis-cluster.js';
export { hashSlot } from './hash-slot.js';
