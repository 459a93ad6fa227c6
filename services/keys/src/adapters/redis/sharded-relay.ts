import { startOutboxRelay, type RelayLease } from '@joinery/bus';
import { createRedisLease, defineScript, type Cluster, type Redis } from '@joinery/store';
import { createHash } from 'node:crypto';
import type { Logger, OutboxRecord } from '../../domain/ports.js';
import { relayMembersKey } from './outbox-shards.js';
import type { RedisOutboxShard } from './redis-state-store.js';

export interface ShardedRelayOptions {
  readonly redis: Redis | Cluster;
  readonly shards: readonly RedisOutboxShard[];
  /** The prefix of the keys (the relay members' key lives under it). */
  readonly prefix: string;
  /** This process's name among the relays (`host:pid`), the value of the leases it holds. */
  readonly owner: string;
  /** Lease TTL, and the life of a relay's membership heartbeat. */
  readonly leaseMs: number;
  /** Publishes one shard's batch; the Kafka publisher's `publishFrom(sourceOf(shard), records)`. */
  readonly publish: (shard: number, records: readonly OutboxRecord[]) => Promise<void>;
  /** A relay took shard `k` over: forget what it knew of Kafka's end for that shard. */
  readonly onShardTaken: (shard: number) => void;
  readonly logger: Logger;
  readonly idleMs?: number;
  readonly retryMs?: number;
}

export interface ShardedRelay {
  /** The shards this process relays now (held leases). */
  held(): number[];
  stop(): Promise<void>;
}

// Heartbeat of one relay in the members set, dropping the expired ones; returns the live members.
const heartbeatLua = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** Rendezvous (highest random weight) hashing: the member that should relay shard `k`. */
export function preferredRelay(members: readonly string[], k: number): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const m of members) {
    const score = createHash('sha256').update(`${m}/${k}`).digest().readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/**
 * One outbox relay per shard (libs/bus `startOutboxRelay`), each behind its shard's lease (ADR 0005, ADR 0007), so a
 * shard has at most one publisher at a time. The relays of all keys replicas heartbeat into one sorted set; a
 * replica tries only the shards that rendezvous hashing gives to it among the live relays, and gives up a shard it
 * holds once another live relay is preferred for it, so replicas split the shards and a dead replica's shards move
 * to the others when its heartbeat and leases expire.
 */
export function startShardedOutboxRelay(options: ShardedRelayOptions): ShardedRelay {
  const { redis, owner, leaseMs, logger } = options;
  const heartbeat = defineScript<string[]>(redis, 'joineryKeysRelayHeartbeat', heartbeatLua, 1);
  const membersKey = relayMembersKey(options.prefix);
  let members: { at: number; list: string[] } | undefined;
  let joined = true;
  const live = async (): Promise<string[]> => {
    const now = Date.now();
    if (members !== undefined && now - members.at < leaseMs / 3) return members.list;
    const list = await heartbeat([membersKey], [now, now + leaseMs, joined ? owner : '', leaseMs * 3]);
    members = { at: now, list };
    return list;
  };
  const held = new Set<number>();
  const relays = options.shards.map((shard) => {
    const lease = createRedisLease(redis, shard.leaseKey, { ttlMs: leaseMs, owner });
    const balanced: RelayLease = {
      async hold() {
        const list = await live();
        const preferred = preferredRelay(list.includes(owner) ? list : [...list, owner], shard.index);
        if (preferred !== owner) {
          if (held.delete(shard.index)) await lease.release();
          return false;
        }
        const ok = await lease.hold();
        if (ok) held.add(shard.index);
        else held.delete(shard.index);
        return ok;
      },
      async release() {
        held.delete(shard.index);
        await lease.release();
      },
    };
    return startOutboxRelay({
      source: shard.source,
      publish: (records) => options.publish(shard.index, records),
      logger: logger.child({ outbox_shard: shard.index }),
      lease: balanced,
      onLeaseTaken: () => options.onShardTaken(shard.index),
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
      ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    });
  });
  return {
    held: () => [...held].sort((a, b) => a - b),
    async stop() {
      joined = false;
      members = undefined;
      await Promise.all(relays.map((r) => r.stop()));
      await heartbeat([membersKey], [Date.now(), 0, '', leaseMs * 3]).catch(() => undefined);
      await redis.zrem(membersKey, owner).catch(() => undefined);
    },
  };
}
