import { defineScript, type Cluster, type Redis } from '@joinery/store';
import {
  maxJoinNonce,
  type CommitJoinOutcome,
  type DevNonceReset,
  type JoinCommit,
  type KeysStateStore,
  type NonceCheck,
  type OutboxRecord,
  type OutboxSource,
  type ReserveOutcome,
  type ReserveRefusal,
  type StoredSession,
} from '../../domain/ports.js';
import { streamRecords } from './outbox-shard-reader.js';
import { deviceKeyBase, outboxLeaseKey, outboxShardCount, outboxStreamKey } from './outbox-shards.js';
import { defaultJoinNonceCacheSize, JoinNonceCache } from './join-nonce-cache.js';
import { commitJoinLua, commitLua, reserveLua, resetLua } from './redis-scripts.js';

export interface RedisStateStoreOptions {
  /** The prefix of every key; `joinery:keys` unless set (tests isolate themselves with their own). */
  readonly prefix?: string;
  /**
   * How many devices' JoinNonces this replica remembers for the one-step join (`JoinNonceCache`); 0 turns the one
   * step off (every join takes reserve and commit). `defaultJoinNonceCacheSize` unless set.
   */
  readonly joinNonceCacheSize?: number;
}

/** The prefix of the keys service's keys on a shared Redis. */
export const redisKeysPrefix = 'joinery:keys';

/** One shard of the outbox (ADR 0007): its stream, its relay lease, and the stream as an outbox source. */
export interface RedisOutboxShard {
  readonly index: number;
  readonly streamKey: string;
  readonly leaseKey: string;
  /** Records with their stream ids (`<ms>-<seq>`, increasing within the shard). */
  readonly source: OutboxSource & { count(): Promise<number> };
}

/** The Redis state store, with its outbox shards for the relay. */
export interface RedisStateStore extends KeysStateStore {
  readonly outboxShards: readonly RedisOutboxShard[];
}

// The parts are fixed words, so each key is the device's validated base plus its part (see `shardedDeviceKey`).
const keysOf = (prefix: string, devEui: string) => {
  const { shard, base } = deviceKeyBase(prefix, devEui);
  return {
    nonce: `${base}nonce`,
    history: `${base}dev-nonces`,
    rejoinFrames: `${base}rejoin-frames`,
    sessions: `${base}sessions`,
    order: `${base}session-order`,
    resets: `${base}resets`,
    outbox: outboxStreamKey(prefix, shard),
    shard,
  };
};

/** The id the store hands out for a record of shard `k`: `<k>/<stream id>`, unique across shards. */
const qualified = (k: number, id: string) => `${k}/${id}`;
const unqualified = (id: string): [number, string] => {
  const slash = id.indexOf('/');
  return [Number(id.slice(0, slash)), id.slice(slash + 1)];
};

const checkKind = (check: NonceCheck): [string, number] => {
  switch (check.kind) {
    case 'dev_nonce':
      return [check.policy === 'history' ? 'h' : 'c', check.devNonce];
    case 'rj_count0':
      return ['r0', check.rjCount];
    case 'rj_count1':
      return ['r1', check.rjCount];
  }
};

/** The reserve part's ARGV (`redis-scripts.ts` `reserveParts`). */
const checkArgs = (check: NonceCheck): (string | number)[] => {
  const [kind, value] = checkKind(check);
  const historySize =
    (check.kind === 'dev_nonce' && check.policy === 'history') || check.kind === 'rj_count0'
      ? check.historySize
      : 0;
  const retry = check.kind === 'dev_nonce' ? check.retry : undefined;
  return [
    kind,
    value,
    historySize,
    maxJoinNonce,
    check.kind === 'rj_count0' ? check.frame : '',
    retry?.digest ?? '',
    retry?.now ?? 0,
    retry?.windowMs ?? 0,
  ];
};

/** The commit part's ARGV (`redis-scripts.ts` `commitPart`). */
const commitArgs = ({ session, maxSessions, event, accepted }: JoinCommit): (string | number | Buffer)[] => {
  const json: SessionJson = {
    ...session,
    storedAppSKey: bufferView(session.storedAppSKey).toString('base64'),
  };
  return [
    session.sessionKeyId,
    session.joinNonce,
    JSON.stringify(json),
    maxSessions,
    event.topic,
    event.key,
    bufferView(event.value),
    accepted === undefined ? '' : JSON.stringify(accepted),
  ];
};

interface SessionJson {
  sessionKeyId: string;
  joinNonce: number;
  storageKekLabel: string;
  storedAppSKey: string;
  /** Absent in sessions stored before bindings existed. */
  bindingId?: string;
  createdAt: number;
}

const parseReset = (entry: string): DevNonceReset => {
  const [sizeText, lastText, ...json] = entry.split('|').reverse();
  const audit = JSON.parse(json.reverse().join('|')) as { actor: string; reason: string; time: number };
  return {
    actor: audit.actor,
    reason: audit.reason,
    time: audit.time,
    lastDevNonce: Number(lastText),
    historySize: Number(sizeText),
  };
};

async function readStream(redis: Redis | Cluster, key: string, limit: number): Promise<OutboxRecord[]> {
  return streamRecords(await redis.xrangeBuffer(key, '-', '+', 'COUNT', limit));
}

/**
 * Distributed-mode state in Redis (standalone, Sentinel or Cluster): one Lua script per atomic step (reserve,
 * commit, commit-join, reset); `guessJoinNonce` answers from this replica's `JoinNonceCache`. The outbox is `outboxShardCount` Redis Streams (ADR 0007); a device's keys carry its shard's hash
 * tag, so each script touches one slot. `outbox` reads all shards (ids `<shard>/<stream id>`); the relay reads the
 * shards it holds together (`outboxShards`, `createOutboxShardReader`). Ack deletes entries with XDEL.
 */
export function createRedisStateStore(
  redis: Redis | Cluster,
  options: RedisStateStoreOptions = {},
): RedisStateStore {
  const prefix = options.prefix ?? redisKeysPrefix;
  const outboxShards: RedisOutboxShard[] = Array.from({ length: outboxShardCount }, (_, index) => {
    const streamKey = outboxStreamKey(prefix, index);
    return {
      index,
      streamKey,
      leaseKey: outboxLeaseKey(prefix, index),
      source: {
        read: (limit) => readStream(redis, streamKey, limit),
        async ack(ids) {
          if (ids.length > 0) await redis.xdel(streamKey, ...ids);
        },
        count: () => redis.xlen(streamKey),
      },
    };
  });
  type Reply = [number, number | string, string?, string?];
  const reserveScript = defineScript<Reply>(redis, 'joineryKeysReserve', reserveLua, 3);
  const commitScript = defineScript<string>(redis, 'joineryKeysCommit', commitLua, 4);
  const commitJoinScript = defineScript<Reply>(redis, 'joineryKeysCommitJoin', commitJoinLua, 6);
  const cache = new JoinNonceCache(options.joinNonceCacheSize ?? defaultJoinNonceCacheSize);
  const resetScript = defineScript<[number, number]>(redis, 'joineryKeysReset', resetLua, 3);

  return {
    guessJoinNonce(devEui, check) {
      return cache.guess(devEui, check);
    },
    async commitJoin(devEui, check, commit): Promise<CommitJoinOutcome> {
      const k = keysOf(prefix, devEui);
      const [code, result, third, fourth] = await commitJoinScript(
        [k.nonce, k.history, k.rejoinFrames, k.sessions, k.order, k.outbox],
        [...checkArgs(check), ...commitArgs(commit)],
      );
      switch (code) {
        case 1: {
          const joinNonce = Number(result);
          cache.accepted(devEui, joinNonce, check.kind === 'dev_nonce' ? check.devNonce : undefined);
          return { kind: 'committed', joinNonce, outboxId: qualified(k.shard, String(third)) };
        }
        case 4:
          cache.stale(devEui, Number(result));
          return { kind: 'stale', joinNonce: Number(result) };
        case 2:
          return {
            kind: 'retry',
            joinNonce: Number(result),
            retryOf: { sessionKeyId: String(third), eventId: String(fourth) },
          };
        case 3:
          return { kind: 'refused', refusal: result as ReserveRefusal, pendingRetry: true };
        default:
          return { kind: 'refused', refusal: result as ReserveRefusal };
      }
    },
    async reserve(devEui, check): Promise<ReserveOutcome> {
      const k = keysOf(prefix, devEui);
      const [ok, result, sessionKeyId, eventId] = await reserveScript(
        [k.nonce, k.history, k.rejoinFrames],
        checkArgs(check),
      );
      if (ok === 2)
        return {
          ok: true,
          joinNonce: Number(result),
          retryOf: { sessionKeyId: sessionKeyId ?? '', eventId: eventId ?? '' },
        };
      if (ok === 3) return { ok: false, refusal: result as ReserveRefusal, pendingRetry: true };
      return ok === 1
        ? { ok: true, joinNonce: Number(result) }
        : { ok: false, refusal: result as ReserveRefusal };
    },
    async commitSession(devEui, session, maxSessions, event, accepted) {
      const k = keysOf(prefix, devEui);
      const id = await commitScript(
        [k.sessions, k.order, k.outbox, k.nonce],
        commitArgs({ session, maxSessions, event, ...(accepted === undefined ? {} : { accepted }) }),
      );
      cache.accepted(devEui, session.joinNonce, accepted?.devNonce);
      return qualified(k.shard, id);
    },
    async appendEvent(devEui, event) {
      const k = keysOf(prefix, devEui);
      const id = await redis.xadd(
        k.outbox,
        '*',
        'topic',
        event.topic,
        'key',
        event.key,
        'value',
        Buffer.from(event.value),
      );
      return qualified(k.shard, id ?? '');
    },
    async getSession(devEui, sessionKeyId): Promise<StoredSession | undefined> {
      const raw = await redis.hget(keysOf(prefix, devEui).sessions, sessionKeyId);
      if (raw === null) return undefined;
      const json = JSON.parse(raw) as SessionJson;
      return {
        ...json,
        bindingId: json.bindingId ?? '',
        storedAppSKey: new Uint8Array(Buffer.from(json.storedAppSKey, 'base64')),
      };
    },
    async resetDevNonces(devEui, audit) {
      const k = keysOf(prefix, devEui);
      const [last, size] = await resetScript(
        [k.nonce, k.history, k.resets],
        [JSON.stringify({ actor: audit.actor, reason: audit.reason, time: audit.time })],
      );
      return { ...audit, lastDevNonce: last, historySize: size };
    },
    async getNonceState(devEui) {
      const k = keysOf(prefix, devEui);
      const [nonce, history, rejoinFrames, sessionCount, resets] = await Promise.all([
        redis.hgetall(k.nonce),
        redis.zrange(k.history, 0, -1),
        redis.zrange(k.rejoinFrames, 0, -1),
        redis.hlen(k.sessions),
        redis.lrange(k.resets, 0, -1),
      ]);
      const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
      return {
        joinNonce: num(nonce.jn, 0),
        lastDevNonce: num(nonce.ldn, -1),
        devNonceHistory: history.map(Number),
        lastRjCount0: num(nonce.rj0, -1),
        rejoinFrameHistory: rejoinFrames,
        lastRjCount1: num(nonce.rj1, -1),
        sessionCount,
        resets: resets.map(parseReset),
      };
    },
    outboxShards,
    // All shards, oldest first by stream id (time) across them; in order within a shard, hence per device.
    outbox: {
      async read(limit): Promise<OutboxRecord[]> {
        const perShard = await Promise.all(outboxShards.map((shard) => shard.source.read(limit)));
        return perShard
          .flatMap((records, k) => records.map((r) => ({ ...r, id: qualified(k, r.id), order: r.id })))
          .sort((a, b) => compareStreamIds(a.order, b.order))
          .slice(0, limit)
          .map(({ order: _order, ...r }) => r);
      },
      async ack(ids) {
        const byShard = new Map<number, string[]>();
        for (const id of ids) {
          const [k, streamId] = unqualified(id);
          const shard = outboxShards[k];
          if (shard === undefined) continue;
          byShard.set(k, [...(byShard.get(k) ?? []), streamId]);
        }
        await Promise.all([...byShard].map(([k, streamIds]) => outboxShards[k]!.source.ack(streamIds)));
      },
      async count() {
        const counts = await Promise.all(outboxShards.map((shard) => shard.source.count()));
        return counts.reduce((a, b) => a + b, 0);
      },
    },
    async close() {},
  };
}

/** The bytes as a Buffer without copying them (ioredis writes Buffers as they are). */
const bufferView = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}
