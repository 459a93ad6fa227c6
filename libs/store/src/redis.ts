import type { Logger } from '@joinery/logging';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { storeErrors } from './store-errors.js';

export interface RedisConnectOptions {
  /** Shown in `CLIENT LIST`; e.g. the service name. */
  connectionName?: string;
  /** Connection errors are logged here (without the URL, which may hold a password). */
  logger?: Logger;
  /** A command that gets no reply within this fails; 5000 unless set. */
  commandTimeoutMs?: number;
  /** Giving up on one connection attempt; 10000 unless set. */
  connectTimeoutMs?: number;
  /** Reconnections a queued command waits through before failing; 3 unless set. */
  maxRetriesPerRequest?: number;
}

/**
 * Connects at once (`lazyConnect: false`) with auto-pipelining. Reconnects forever with a backoff of 100 ms steps
 * capped at 2 s; while disconnected, commands queue and fail after `maxRetriesPerRequest` reconnections or
 * `commandTimeoutMs`. Reconnects on READONLY replies (after a failover the old primary turns replica).
 */
export function connectRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    enableAutoPipelining: true,
    enableOfflineQueue: true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 3,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  };
  const redis = new Redis(url, redisOptions);
  const logger = options.logger;
  // Without an 'error' listener ioredis prints every failed reconnection to stderr.
  redis.on('error', (err: Error) =>
    logger?.warn(
      { err: { message: err.message, code: (err as NodeJS.ErrnoException).code } },
      'redis connection error',
    ),
  );
  return redis;
}

/** Resolves once `redis` is connected and answers PING; fails with `store:redis_unavailable` after `timeoutMs` (10 s). */
export async function waitForRedis(
  redis: Redis | Cluster,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (redis.status === 'end') throw storeErrors.redis_unavailable({ status: redis.status });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(storeErrors.redis_unavailable({ status: redis.status, timeout_ms: timeoutMs })),
      timeoutMs,
    );
  });
  const ready = async () => {
    if (redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const onReady = () => {
          redis.off('end', onEnd);
          resolve();
        };
        const onEnd = () => {
          redis.off('ready', onReady);
          reject(storeErrors.redis_unavailable({ status: 'end' }));
        };
        redis.once('ready', onReady);
        redis.once('end', onEnd);
      });
    }
    await redis.ping();
  };
  try {
    await Promise.race([ready(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type ScriptArg = string | number | Buffer;

/** A Lua script bound to a connection: `keys.length` must be the declared number of keys. */
export type RedisScript<R> = (keys: readonly string[], args?: readonly ScriptArg[]) => Promise<R>;

/**
 * Registers `lua` as the command `name` (ioredis `defineCommand`: EVALSHA, falling back to EVAL when the server
 * lost the script, e.g. after a restart) and returns a typed caller. `R` is what the script returns as ioredis
 * decodes it (integers → number, bulk strings → string, arrays → arrays, nil → null).
 */
export function defineScript<R = unknown>(
  redis: Redis | Cluster,
  name: string,
  lua: string,
  numberOfKeys: number,
): RedisScript<R> {
  if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(name)) throw storeErrors.script_name({ name: name.slice(0, 64) });
  const commands = redis as unknown as Record<string, unknown>;
  const registered = definedScripts.get(redis) ?? new Map<string, string>();
  definedScripts.set(redis, registered);
  const previous = registered.get(name);
  if (previous === undefined && name in commands)
    throw storeErrors.script_name({ name }, `${name} is already a command of the Redis client`);
  if (previous !== undefined && previous !== lua)
    throw storeErrors.script_name({ name }, `script ${name} is already defined with other code`);
  if (previous === undefined) {
    redis.defineCommand(name, { numberOfKeys, lua });
    registered.set(name, lua);
  }
  return (keys, args = []) => {
    if (keys.length !== numberOfKeys)
      return Promise.reject(
        storeErrors.script_keys({ script: name, expected: numberOfKeys, got: keys.length }),
      );
    const command = commands[name] as (...a: ScriptArg[]) => Promise<R>;
    return command.call(redis, ...keys, ...args);
  };
}

const definedScripts = new WeakMap<Redis | Cluster, Map<string, string>>();
