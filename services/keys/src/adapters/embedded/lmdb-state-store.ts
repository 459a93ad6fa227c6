import type { Database, RootDatabase } from '@joinery/store';
import {
  decideCommitJoin,
  decideReserve,
  emptyNonceRecord,
  guessFrom,
  type NonceRecord,
} from '../../domain/nonce-policy.js';
import {
  maxJoinNonce,
  type DevNonceReset,
  type JoinCommit,
  type KeysStateStore,
  type OutboxEvent,
  type OutboxRecord,
  type StoredSession,
} from '../../domain/ports.js';

interface DeviceRecord {
  nonces: NonceRecord;
  resets: DevNonceReset[];
}

interface StoredEvent {
  topic: string;
  key: string;
  value: Uint8Array;
}

const emptyDevice = (): DeviceRecord => ({ nonces: emptyNonceRecord(), resets: [] });
/** Sessions sort by device, then JoinNonce: `0102030405060708/000001`. */
const sessionKey = (devEui: string, joinNonce: number) =>
  `${devEui}/${joinNonce.toString(16).padStart(6, '0')}`;

/**
 * Embedded-mode state in LMDB (`libs/store` `openEmbeddedStore`). A nonce record per device, sessions keyed by
 * device and JoinNonce (so the hot reserve step rewrites only the nonces); every step is one LMDB write
 * transaction, durable before its promise resolves, so DevNonce + JoinNonce (reserve), session + outbox event
 * (commit), or all of them (commitJoin) each change atomically. Reads are synchronous, so `guessJoinNonce` always
 * knows the next JoinNonce and a join takes one durable transaction. The outbox is a sub-database keyed by an
 * increasing integer.
 */
export function createLmdbStateStore(root: RootDatabase): KeysStateStore {
  const devices: Database<DeviceRecord, string> = root.openDB({ name: 'keys-devices' });
  const sessions: Database<StoredSession, string> = root.openDB({ name: 'keys-sessions' });
  const outbox: Database<StoredEvent, number> = root.openDB({ name: 'keys-outbox' });
  const deviceRange = (devEui: string) => ({ start: `${devEui}/`, end: `${devEui}0` });
  const deviceSessions = (devEui: string) => sessions.getRange(deviceRange(devEui));
  /** Keys only: trimming and counting need no session decoded. */
  const deviceSessionKeys = (devEui: string) => [...sessions.getKeys(deviceRange(devEui))];
  const meta: Database<number, string> = root.openDB({ name: 'keys-meta' });
  // Write transactions run one after another in this process, so a counter in memory orders the outbox. Outbox ids
  // must never go back, even when the outbox was emptied (the Kafka relay skips ids it believes published, ADR
  // 0005): the high-water mark is persisted with every append, in the same transaction.
  let sequence = meta.get('outbox-sequence') ?? 0;
  for (const key of outbox.getKeys({ reverse: true, limit: 1 })) sequence = Math.max(sequence, key);

  const append = (event: OutboxEvent): string => {
    sequence += 1;
    outbox.putSync(sequence, { topic: event.topic, key: event.key, value: event.value });
    meta.putSync('outbox-sequence', sequence);
    return String(sequence);
  };
  const read = (devEui: string): DeviceRecord => {
    const stored = devices.get(devEui);
    // Records written before a field existed get its empty value.
    return stored === undefined
      ? emptyDevice()
      : { ...stored, nonces: { ...emptyNonceRecord(), ...stored.nonces } };
  };

  /** Inside a write transaction: the session (trimming the device's to `maxSessions`) and its event. */
  const commit = (devEui: string, { session, maxSessions, event }: JoinCommit): string => {
    sessions.putSync(sessionKey(devEui, session.joinNonce), session);
    const keys = deviceSessionKeys(devEui);
    for (const old of keys.slice(0, Math.max(0, keys.length - maxSessions))) sessions.removeSync(old);
    return append(event);
  };

  return {
    guessJoinNonce(devEui, check) {
      return guessFrom(read(devEui).nonces, check, maxJoinNonce);
    },
    commitJoin(devEui, check, joinCommit) {
      return devices.transaction(() => {
        const device = read(devEui);
        const decision = decideCommitJoin(device.nonces, check, joinCommit.session.joinNonce, maxJoinNonce);
        if (decision.kind !== 'commit') return decision;
        const nonces =
          joinCommit.accepted === undefined
            ? decision.next
            : { ...decision.next, lastAccept: joinCommit.accepted };
        devices.putSync(devEui, { ...device, nonces });
        return {
          kind: 'committed' as const,
          joinNonce: decision.joinNonce,
          outboxId: commit(devEui, joinCommit),
        };
      });
    },
    reserve(devEui, check) {
      return devices.transaction(() => {
        const device = read(devEui);
        const decision = decideReserve(device.nonces, check, maxJoinNonce);
        if (!decision.ok) return decision;
        if (decision.retryOf !== undefined)
          return { ok: true as const, joinNonce: decision.joinNonce, retryOf: decision.retryOf };
        devices.putSync(devEui, { ...device, nonces: decision.next });
        return { ok: true as const, joinNonce: decision.joinNonce };
      });
    },
    commitSession(devEui, session, maxSessions, event, accepted) {
      return devices.transaction(() => {
        if (accepted !== undefined) {
          const device = read(devEui);
          devices.putSync(devEui, { ...device, nonces: { ...device.nonces, lastAccept: accepted } });
        }
        return commit(devEui, { session, maxSessions, event });
      });
    },
    appendEvent(_devEui, event) {
      return outbox.transaction(() => append(event));
    },
    async getSession(devEui, sessionKeyId) {
      for (const { value } of deviceSessions(devEui)) {
        if (value.sessionKeyId === sessionKeyId)
          // Sessions stored before bindings existed have none.
          return {
            ...value,
            bindingId: value.bindingId ?? '',
            storedAppSKey: new Uint8Array(value.storedAppSKey),
          };
      }
      return undefined;
    },
    resetDevNonces(devEui, audit) {
      return devices.transaction(() => {
        const device = read(devEui);
        const reset: DevNonceReset = {
          ...audit,
          lastDevNonce: device.nonces.lastDevNonce,
          historySize: device.nonces.devNonceHistory.length,
        };
        devices.putSync(devEui, {
          ...device,
          nonces: { ...device.nonces, lastDevNonce: -1, devNonceHistory: [] },
          resets: [...device.resets, reset],
        });
        return reset;
      });
    },
    async getNonceState(devEui) {
      const device = read(devEui);
      return { ...device.nonces, sessionCount: deviceSessionKeys(devEui).length, resets: device.resets };
    },
    outbox: {
      async read(limit) {
        const out: OutboxRecord[] = [];
        for (const { key, value } of outbox.getRange({ limit }))
          out.push({
            id: String(key),
            topic: value.topic,
            key: value.key,
            value: new Uint8Array(value.value),
          });
        return out;
      },
      async ack(ids) {
        await outbox.transaction(() => {
          for (const id of ids) outbox.removeSync(Number(id));
        });
      },
      async count() {
        // From the database's statistics: getCount() would walk every record, on the event loop.
        return (outbox.getStats() as { entryCount: number }).entryCount;
      },
    },
    async close() {
      await devices.flushed;
    },
  };
}
