import { isRedisCluster, type Cluster, type Redis } from '@joinery/store';
import type { OutboxRecord } from '../../domain/ports.js';

/** What the relay reads: a shard's number and its stream. */
export interface ReadableShard {
  readonly index: number;
  readonly streamKey: string;
}

export interface OutboxShardReader {
  /**
   * The oldest `limit` records of each of `shards` that has any (ids are stream ids). When every one is empty, waits
   * up to `waitMs` (at most half the connection's command timeout) for the first record appended to any of them (a blocking XREAD), or answers at once (empty) when
   * this Redis cannot block on all of them in one read (`blocks` false).
   */
  read(shards: readonly ReadableShard[], limit: number, waitMs: number): Promise<Map<number, OutboxRecord[]>>;
  /** Deletes delivered records, per shard, in one write. */
  ack(ids: ReadonlyMap<ReadableShard, readonly string[]>): Promise<void>;
  /** True when `read` waits for new records (standalone or Sentinel Redis); false on Redis Cluster. */
  readonly blocks: boolean;
  /** Closes the reading connection; a read waiting on it rejects. */
  close(): void;
}

type StreamEntries = [id: Buffer, fields: Buffer[]][];

/** Stream entries (`topic`, `key`, `value` fields) as outbox records with their stream ids. */
export function streamRecords(entries: StreamEntries): OutboxRecord[] {
  return entries.map(([id, fields]) => {
    const map = new Map<string, Buffer>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString(), fields[i + 1]!);
    return {
      id: id.toString(),
      topic: map.get('topic')?.toString() ?? '',
      key: map.get('key')?.toString() ?? '',
      value: new Uint8Array(map.get('value') ?? []),
    };
  });
}

/**
 * Reads the outbox shards a relay holds in one round trip. On one Redis (standalone or Sentinel) that is one XREAD of
 * every held stream from its start, on a connection of its own, blocking while they are all empty: an idle relay sends
 * one command per wait, and a new record is read as soon as it is appended. On Redis Cluster the shards' streams lie in
 * different slots (ADR 0007), so no single command reads two of them: one XRANGE per shard, issued together so that
 * auto-pipelining sends those of one node in one write, and no waiting (the caller polls). Acks are one XDEL per shard
 * with records, issued together (one write per node).
 */
export function createOutboxShardReader(redis: Redis | Cluster): OutboxShardReader {
  if (isRedisCluster(redis))
    return {
      blocks: false,
      async read(shards, limit) {
        const read = await Promise.all(
          shards.map(
            async (s) => [s.index, await redis.xrangeBuffer(s.streamKey, '-', '+', 'COUNT', limit)] as const,
          ),
        );
        return new Map(read.filter(([, e]) => e.length > 0).map(([k, e]) => [k, streamRecords(e)]));
      },
      ack: (ids) => acks(redis, ids),
      close() {},
    };
  // Blocking would hold up every other command of a shared connection.
  const reader = redis.duplicate({ connectionName: 'joinery-keys-outbox-relay' });
  reader.on('error', () => undefined);
  // The command timeout covers a blocking command too: a wait ends well before it.
  const longestWaitMs = (reader.options.commandTimeout ?? Infinity) / 2;
  return {
    blocks: true,
    async read(shards, limit, waitMs) {
      if (shards.length === 0) return new Map();
      const byKey = new Map(shards.map((s) => [s.streamKey, s.index]));
      const streams = [...byKey.keys()];
      // From id 0: acknowledged records are deleted, so the start of a stream is its oldest unacknowledged record.
      const ids = streams.map(() => '0');
      const reply = (
        waitMs >= 1
          ? await reader.xreadBuffer(
              'COUNT',
              limit,
              'BLOCK',
              Math.round(Math.min(waitMs, longestWaitMs)),
              'STREAMS',
              ...streams,
              ...ids,
            )
          : await reader.xreadBuffer('COUNT', limit, 'STREAMS', ...streams, ...ids)
      ) as [key: Buffer, entries: StreamEntries][] | null;
      const read = new Map<number, OutboxRecord[]>();
      for (const [key, entries] of reply ?? []) {
        const k = byKey.get(key.toString());
        if (k !== undefined && entries.length > 0) read.set(k, streamRecords(entries));
      }
      return read;
    },
    ack: (ids) => acks(redis, ids),
    close: () => reader.disconnect(),
  };
}

async function acks(
  redis: Redis | Cluster,
  ids: ReadonlyMap<ReadableShard, readonly string[]>,
): Promise<void> {
  await Promise.all(
    [...ids]
      .filter(([, list]) => list.length > 0)
      .map(([shard, list]) => redis.xdel(shard.streamKey, ...list)),
  );
}
