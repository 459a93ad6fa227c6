import { wakeablePause } from '@joinery/bus';
import { createRedisLease, defineScript, type Cluster, type Redis } from '@joinery/store';
import { createHash } from 'node:crypto';
import type { Logger, OutboxRecord } from '../../domain/ports.js';
import { createOutboxShardReader } from './outbox-shard-reader.js';
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
  /** Pause between attempts to take a lease another relay holds, and between polls on Redis Cluster; 100 ms. */
  readonly idleMs?: number;
  /** Pause after a failed read, publish or ack; 1000 ms unless set. */
  readonly retryMs?: number;
  /** Records read per shard and turn; 500 unless set. */
  readonly batchSize?: number;
  /**
   * Longest wait of one read for a new record while every held shard is empty (a blocking read; not on Redis Cluster);
   * 1000 ms unless set, and never more than a quarter of `leaseMs`.
   */
  readonly waitMs?: number;
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
 * One relay loop for every shard this process holds (ADR 0005, ADR 0007): a shard is relayed only behind its lease, so
 * it has at most one publisher at a time. The relays of all keys replicas heartbeat into one sorted set; a replica
 * tries only the shards that rendezvous hashing gives to it among the live relays, and gives up a shard it holds once
 * another live relay is preferred for it, so replicas split the shards and a dead replica's shards move to the others
 * when its heartbeat and leases expire.
 *
 * Each turn reads every held shard in one round trip (`createOutboxShardReader`: one blocking XREAD on one Redis, so an
 * idle relay waits without polling and relays a new record at once), publishes every shard's batch at once (the Kafka
 * publisher puts them in one produce request), then, once Kafka acknowledged them, deletes them (one XDEL per shard, in
 * one write). At least once: a crash between publish and delete publishes those records again, which the publisher
 * skips (ADR 0005). A wait never outlasts a quarter of the lease TTL, and leases are checked again before publishing.
 */
export function startShardedOutboxRelay(options: ShardedRelayOptions): ShardedRelay {
  const { redis, owner, leaseMs, logger } = options;
  const idleMs = options.idleMs ?? 100;
  const retryMs = options.retryMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const waitMs = Math.min(options.waitMs ?? 1000, leaseMs / 4);
  const heartbeat = defineScript<string[]>(redis, 'joineryKeysRelayHeartbeat', heartbeatLua, 1);
  const membersKey = relayMembersKey(options.prefix);
  const reader = createOutboxShardReader(redis);
  let members: { at: number; list: Promise<string[]> } | undefined;
  let joined = true;
  // One heartbeat at a time: a turn asks for the members once per shard, all at once.
  const live = (): Promise<string[]> => {
    const now = Date.now();
    if (members !== undefined && now - members.at < leaseMs / 3) return members.list;
    const list = heartbeat([membersKey], [now, now + leaseMs, joined ? owner : '', leaseMs * 3]);
    const beat = { at: now, list };
    members = beat;
    list.catch(() => {
      if (members === beat) members = undefined;
    });
    return list;
  };
  // The shards rendezvous hashing gives this relay, worked out once per members list (each turn asks for all 32).
  let preference: { of: string[]; mine: Set<number> } | undefined;
  const preferredHere = (list: string[]): Set<number> => {
    if (preference?.of !== list) {
      const all = list.includes(owner) ? list : [...list, owner];
      const mine = options.shards.map((s) => s.index).filter((k) => preferredRelay(all, k) === owner);
      preference = { of: list, mine: new Set(mine) };
    }
    return preference.mine;
  };
  const held = new Set<number>();
  const shards = options.shards.map((shard) => ({
    shard,
    lease: createRedisLease(redis, shard.leaseKey, { ttlMs: leaseMs, owner }),
    logger: logger.child({ outbox_shard: shard.index }),
  }));
  type Shard = (typeof shards)[number];
  /** Takes or renews the shard's lease when this relay is preferred for it; true while held. */
  const hold = async ({
    shard,
    lease,
    logger: log,
  }: Shard): Promise<{ held: boolean; preferred: boolean }> => {
    const was = held.has(shard.index);
    let now = false;
    let preferred = false;
    try {
      const list = await live();
      preferred = preferredHere(list).has(shard.index);
      if (!preferred) {
        if (was) await lease.release();
      } else now = await lease.hold();
    } catch (err) {
      log.warn({ err }, 'outbox relay lease could not be renewed');
    }
    if (now && !was) {
      log.info('outbox relay lease taken: this process relays the outbox');
      options.onShardTaken(shard.index);
    } else if (!now && was && preferred)
      log.warn('outbox relay lease lost: another process relays the outbox');
    else if (!now && was) log.info('outbox relay lease handed over to the relay preferred for the shard');
    if (now) held.add(shard.index);
    else held.delete(shard.index);
    return { held: now, preferred };
  };
  let running = true;
  const { pause, wake } = wakeablePause();
  const turn = async () => {
    const checked = await Promise.all(shards.map(async (s) => ({ s, ...(await hold(s)) })));
    const mine = checked.filter((c) => c.held).map((c) => c.s);
    // A preferred shard another relay still holds is tried again every `idleMs`, as is an empty Cluster outbox.
    const waiting = !reader.blocks || checked.some((c) => c.preferred && !c.held);
    const read = await reader.read(
      mine.map((s) => s.shard),
      batchSize,
      waiting ? 0 : waitMs,
    );
    if (read.size === 0) {
      if (waiting || mine.length === 0) await pause(idleMs);
      return;
    }
    // Only what this relay still holds is published (a wait may have been long).
    const batches: { s: Shard; records: readonly OutboxRecord[] }[] = [];
    for (const s of mine) {
      const records = read.get(s.shard.index);
      if (records !== undefined && (await hold(s)).held) batches.push({ s, records });
    }
    // Each shard's batch is deleted only once its publish resolved; a failed one stays for the next turn.
    const outcomes = await Promise.allSettled(
      batches.map(({ s, records }) => options.publish(s.shard.index, records)),
    );
    const delivered = batches.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    await reader.ack(new Map(delivered.map(({ s, records }) => [s.shard, records.map((r) => r.id)])));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined) {
      logger.warn(
        {
          err: failed.reason as unknown,
          batch_size: batches.reduce((n, b) => n + b.records.length, 0),
          failed_shards: batches
            .filter((_, i) => outcomes[i]!.status === 'rejected')
            .map((b) => b.s.shard.index),
        },
        'outbox relay failed; retrying',
      );
      await pause(retryMs);
    }
  };
  const loop = (async () => {
    while (running) {
      try {
        await turn();
      } catch (err) {
        if (!running) break;
        logger.warn({ err }, 'outbox relay failed; retrying');
        await pause(retryMs);
      }
    }
  })();
  return {
    held: () => [...held].sort((a, b) => a - b),
    async stop() {
      running = false;
      wake();
      reader.close();
      await loop;
      joined = false;
      members = undefined;
      await Promise.all(
        shards
          .filter((s) => held.delete(s.shard.index))
          .map((s) =>
            s.lease
              .release()
              .catch((err: unknown) => s.logger.warn({ err }, 'outbox relay lease not released')),
          ),
      );
      await heartbeat([membersKey], [Date.now(), 0, '', leaseMs * 3]).catch(() => undefined);
      await redis.zrem(membersKey, owner).catch(() => undefined);
    },
  };
}
