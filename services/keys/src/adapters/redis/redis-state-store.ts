import { deviceKey, defineScript, type Redis } from '@joinery/store';
import {
  maxJoinNonce,
  type DevNonceReset,
  type KeysStateStore,
  type NonceCheck,
  type OutboxRecord,
  type ReserveOutcome,
  type ReserveRefusal,
  type StoredSession,
} from '../../domain/ports.js';
import { commitLua, reserveLua, resetLua } from './redis-scripts.js';

export interface RedisStateStoreOptions {
  /** The outbox stream (ADR 0004); `joinery:keys:outbox` unless set. */
  readonly outboxKey?: string;
}

const prefix = 'joinery:keys';
/** The outbox stream every keys replica on this Redis shares (ADR 0004). */
export const redisOutboxKey = `${prefix}:outbox`;
const keysOf = (devEui: string) => ({
  nonce: deviceKey(prefix, devEui, 'nonce'),
  history: deviceKey(prefix, devEui, 'dev-nonces'),
  rejoinFrames: deviceKey(prefix, devEui, 'rejoin-frames'),
  sessions: deviceKey(prefix, devEui, 'sessions'),
  order: deviceKey(prefix, devEui, 'session-order'),
  resets: deviceKey(prefix, devEui, 'resets'),
});

const checkArgs = (check: NonceCheck): [string, number] => {
  switch (check.kind) {
    case 'dev_nonce':
      return [check.policy === 'history' ? 'h' : 'c', check.devNonce];
    case 'rj_count0':
      return ['r0', check.rjCount];
    case 'rj_count1':
      return ['r1', check.rjCount];
  }
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

/**
 * Distributed-mode state in Redis: one Lua script per atomic step (reserve, commit, reset), every per-device key
 * hash-tagged `{DEVEUI}`. The outbox is one Redis Stream (ADR 0004); ack deletes entries with XDEL.
 */
export function createRedisStateStore(redis: Redis, options: RedisStateStoreOptions = {}): KeysStateStore {
  const outboxKey = options.outboxKey ?? redisOutboxKey;
  const reserveScript = defineScript<[number, number | string, string?, string?]>(
    redis,
    'joineryKeysReserve',
    reserveLua,
    3,
  );
  const commitScript = defineScript<string>(redis, 'joineryKeysCommit', commitLua, 4);
  const resetScript = defineScript<[number, number]>(redis, 'joineryKeysReset', resetLua, 3);

  return {
    async reserve(devEui, check): Promise<ReserveOutcome> {
      const k = keysOf(devEui);
      const [kind, value] = checkArgs(check);
      const historySize =
        (check.kind === 'dev_nonce' && check.policy === 'history') || check.kind === 'rj_count0'
          ? check.historySize
          : 0;
      const retry = check.kind === 'dev_nonce' ? check.retry : undefined;
      const [ok, result, sessionKeyId, eventId] = await reserveScript(
        [k.nonce, k.history, k.rejoinFrames],
        [
          kind,
          value,
          historySize,
          maxJoinNonce,
          check.kind === 'rj_count0' ? check.frame : '',
          retry?.digest ?? '',
          retry?.now ?? 0,
          retry?.windowMs ?? 0,
        ],
      );
      if (ok === 2)
        return {
          ok: true,
          joinNonce: Number(result),
          retryOf: { sessionKeyId: sessionKeyId ?? '', eventId: eventId ?? '' },
        };
      return ok === 1
        ? { ok: true, joinNonce: Number(result) }
        : { ok: false, refusal: result as ReserveRefusal };
    },
    async commitSession(devEui, session, maxSessions, event, accepted) {
      const k = keysOf(devEui);
      const json: SessionJson = {
        ...session,
        storedAppSKey: Buffer.from(session.storedAppSKey).toString('base64'),
      };
      return commitScript(
        [k.sessions, k.order, outboxKey, k.nonce],
        [
          session.sessionKeyId,
          session.joinNonce,
          JSON.stringify(json),
          maxSessions,
          event.topic,
          event.key,
          Buffer.from(event.value),
          accepted === undefined ? '' : JSON.stringify(accepted),
        ],
      );
    },
    async appendEvent(_devEui, event) {
      const id = await redis.xadd(
        outboxKey,
        '*',
        'topic',
        event.topic,
        'key',
        event.key,
        'value',
        Buffer.from(event.value),
      );
      return id ?? '';
    },
    async getSession(devEui, sessionKeyId): Promise<StoredSession | undefined> {
      const raw = await redis.hget(keysOf(devEui).sessions, sessionKeyId);
      if (raw === null) return undefined;
      const json = JSON.parse(raw) as SessionJson;
      return {
        ...json,
        bindingId: json.bindingId ?? '',
        storedAppSKey: new Uint8Array(Buffer.from(json.storedAppSKey, 'base64')),
      };
    },
    async resetDevNonces(devEui, audit) {
      const k = keysOf(devEui);
      const [last, size] = await resetScript(
        [k.nonce, k.history, k.resets],
        [JSON.stringify({ actor: audit.actor, reason: audit.reason, time: audit.time })],
      );
      return { ...audit, lastDevNonce: last, historySize: size };
    },
    async getNonceState(devEui) {
      const k = keysOf(devEui);
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
    outbox: {
      async read(limit): Promise<OutboxRecord[]> {
        const entries = await redis.xrangeBuffer(outboxKey, '-', '+', 'COUNT', limit);
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
      },
      async ack(ids) {
        if (ids.length > 0) await redis.xdel(outboxKey, ...ids);
      },
      async count() {
        return redis.xlen(outboxKey);
      },
    },
    async close() {},
  };
}
