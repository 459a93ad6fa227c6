import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { defineScript } from './redis.js';

export interface RedisLeaseOptions {
  /** How long the lease outlives its holder's last renewal; 10 s unless set. */
  ttlMs?: number;
  /** Written as the lease's value (shown by `GET`); a random id unless set. */
  owner?: string;
  /** Unix ms; `Date.now` unless set (tests). */
  now?: () => number;
}

export interface RedisLease {
  /** Takes the lease or renews it; true while held. Renews at most every third of the TTL. */
  hold(): Promise<boolean>;
  /** Deletes the lease if this holder still has it. */
  release(): Promise<void>;
  readonly owner: string;
}

// Take the lease when it is free, renew it when it is ours; 1 when held afterwards.
const holdLua = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;
const releaseLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A lease on one Redis key (`SET NX PX` with the holder's id, renewed by the holder only): one holder at a time
 * among the processes sharing that Redis, taken over by another once the holder stopped renewing for `ttlMs`.
 * `hold()` answers from memory while the last renewal is younger than a third of the TTL (so the key still has at
 * least two thirds left); it counts from when the renewal was sent, never from its answer.
 */
export function createRedisLease(
  redis: Redis | Cluster,
  key: string,
  options: RedisLeaseOptions = {},
): RedisLease {
  const ttlMs = options.ttlMs ?? 10_000;
  const owner = options.owner ?? randomUUID();
  const now = options.now ?? Date.now;
  const holdScript = defineScript<number>(redis, 'joineryLeaseHold', holdLua, 1);
  const releaseScript = defineScript<number>(redis, 'joineryLeaseRelease', releaseLua, 1);
  let renewedAt: number | undefined;
  return {
    owner,
    async hold() {
      const sent = now();
      if (renewedAt !== undefined && sent - renewedAt < ttlMs / 3) return true;
      renewedAt = undefined;
      const held = (await holdScript([key], [owner, ttlMs])) === 1;
      if (held) renewedAt = sent;
      return held;
    },
    async release() {
      renewedAt = undefined;
      await releaseScript([key], [owner]);
    },
  };
}
