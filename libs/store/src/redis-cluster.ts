import type { Logger } from '@joinery/logging';
import { Cluster, type ClusterNode, type Redis } from 'ioredis';
import { connectRedis, type RedisConnectOptions } from './redis.js';
import { storeErrors } from './store-errors.js';

/** The URL scheme of a Redis Cluster: `redis-cluster://[user:password@]host:port[?nodes=host:port,host:port]`. */
export const redisClusterProtocol = 'redis-cluster:';

export interface RedisClusterTarget {
  /** Seed nodes: the URL's host first, then `?nodes=`. The client learns the rest from `CLUSTER SLOTS`. */
  readonly nodes: readonly { host: string; port: number }[];
  readonly username?: string;
  readonly password?: string;
}

const hostPort = /^(\[[0-9a-fA-F:]+\]|[^:/?#@\s]+):(\d{1,5})$/;

function parseHostPort(text: string): { host: string; port: number } {
  const match = hostPort.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !(port > 0 && port < 65536))
    throw storeErrors.invalid_redis_url({}, 'a Redis Cluster node must be host:port');
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Reads a `redis-cluster://` URL. The error never quotes the URL (it may hold a password).
 * `redis-cluster://:secret@10.0.0.1:7000?nodes=10.0.0.2:7000,10.0.0.3:7000` → three seeds, password `secret`.
 */
export function parseRedisClusterUrl(url: string): RedisClusterTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw storeErrors.invalid_redis_url({}, 'not a URL');
  }
  if (parsed.protocol !== redisClusterProtocol)
    throw storeErrors.invalid_redis_url(
      { protocol: parsed.protocol },
      'a Redis Cluster URL starts with redis-cluster://',
    );
  if (parsed.pathname !== '' && parsed.pathname !== '/')
    throw storeErrors.invalid_redis_url({}, 'a Redis Cluster has no database number (only database 0)');
  const first = parseHostPort(parsed.host);
  const more = (parsed.searchParams.get('nodes') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseHostPort);
  return {
    nodes: [first, ...more],
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
  };
}

/**
 * A Redis Cluster client configured as `connectRedis` configures a single connection (auto-pipelining, command
 * timeout, bounded retries, reconnect forever with backoff): reads and writes go to the primaries; MOVED/ASK
 * redirections and failovers are followed (`retryDelayOnFailover`, `retryDelayOnClusterDown`).
 */
export function connectRedisCluster(target: RedisClusterTarget, options: RedisConnectOptions = {}): Cluster {
  const cluster = new Cluster(target.nodes as ClusterNode[], {
    lazyConnect: false,
    enableAutoPipelining: true,
    enableOfflineQueue: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    slotsRefreshTimeout: 2_000,
    redisOptions: {
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: options.maxRetriesPerRequest ?? 3,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    },
  });
  const logger: Logger | undefined = options.logger;
  cluster.on('error', (err: Error) =>
    logger?.warn(
      { err: { message: err.message, code: (err as NodeJS.ErrnoException).code } },
      'redis cluster connection error',
    ),
  );
  return cluster;
}

/**
 * One Redis from its URL: `redis://`/`rediss://` (standalone or Sentinel-managed primary) → one connection,
 * `redis-cluster://` → a Cluster client. Every adapter takes either.
 */
export function connectRedisUrl(url: string, options: RedisConnectOptions = {}): Redis | Cluster {
  return url.startsWith(redisClusterProtocol)
    ? connectRedisCluster(parseRedisClusterUrl(url), options)
    : connectRedis(url, options);
}

/** The `redis-cluster://` URL of these `host:port` nodes (tests, the launcher). */
export function redisClusterUrl(nodes: readonly string[]): string {
  const [first, ...rest] = nodes;
  if (first === undefined) throw storeErrors.invalid_redis_url({}, 'a Redis Cluster needs at least one node');
  return `redis-cluster://${first}${rest.length > 0 ? `?nodes=${rest.join(',')}` : ''}`;
}

/** True for a Cluster client (`connectRedisUrl` of a `redis-cluster://` URL). */
export function isRedisCluster(redis: Redis | Cluster): redis is Cluster {
  return redis instanceof Cluster;
}
