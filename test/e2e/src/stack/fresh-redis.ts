import { connectRedisUrl, isRedisCluster, waitForRedis } from '@joinery/store';

/**
 * Empties the Redis a stack is about to start on: the logical database of a `redis://` URL, every primary of a
 * `redis-cluster://` one (a cluster has database 0 only; the suites of `npm run test:cluster` run one at a time).
 * A stack's secrets (seal and master keys) are new in every run: what an earlier stack left there could not be
 * opened, and claims would refuse to start.
 */
export async function emptyStackRedis(url: string, connectionName: string): Promise<void> {
  const redis = connectRedisUrl(url, { connectionName });
  try {
    await waitForRedis(redis);
    if (isRedisCluster(redis)) await Promise.all(redis.nodes('master').map((node) => node.flushall()));
    else await redis.flushdb();
  } finally {
    await redis.quit();
  }
}
