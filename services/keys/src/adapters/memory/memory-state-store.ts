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
  type NonceCheck,
  type NonceState,
  type OutboxEvent,
  type OutboxRecord,
  type ReserveOutcome,
  type StoredSession,
} from '../../domain/ports.js';

interface DeviceState {
  nonces: NonceRecord;
  /** Oldest first. */
  sessions: StoredSession[];
  resets: DevNonceReset[];
}

/** `seedJoinNonce` lets tests start a device near the 24-bit limit without 16 million joins. */
export interface MemoryStateStore extends KeysStateStore {
  seedJoinNonce(devEui: string, joinNonce: number): void;
}

/** In-memory state for unit tests. Every method runs synchronously between awaits, so each is atomic. */
export function createMemoryStateStore(): MemoryStateStore {
  const devices = new Map<string, DeviceState>();
  const outbox = new Map<string, OutboxRecord>();
  let sequence = 0;
  const device = (devEui: string): DeviceState => {
    let state = devices.get(devEui);
    if (state === undefined) {
      state = { nonces: emptyNonceRecord(), sessions: [], resets: [] };
      devices.set(devEui, state);
    }
    return state;
  };
  const append = (event: OutboxEvent): string => {
    sequence += 1;
    const id = String(sequence).padStart(16, '0');
    outbox.set(id, { id, ...event });
    return id;
  };
  const commit = (state: DeviceState, { session, maxSessions, event, accepted }: JoinCommit): string => {
    if (accepted !== undefined) state.nonces = { ...state.nonces, lastAccept: accepted };
    state.sessions.push(session);
    state.sessions.sort((a, b) => a.joinNonce - b.joinNonce);
    while (state.sessions.length > maxSessions) state.sessions.shift();
    return append(event);
  };
  return {
    seedJoinNonce(devEui, joinNonce) {
      device(devEui).nonces.joinNonce = joinNonce;
    },
    async reserve(devEui: string, check: NonceCheck): Promise<ReserveOutcome> {
      const state = device(devEui);
      const decision = decideReserve(state.nonces, check, maxJoinNonce);
      if (!decision.ok) return decision;
      if (decision.retryOf !== undefined)
        return { ok: true, joinNonce: decision.joinNonce, retryOf: decision.retryOf };
      state.nonces = decision.next;
      return { ok: true, joinNonce: decision.joinNonce };
    },
    guessJoinNonce(devEui, check) {
      const state = devices.get(devEui);
      return guessFrom(state === undefined ? emptyNonceRecord() : state.nonces, check, maxJoinNonce);
    },
    async commitJoin(devEui, check, joinCommit) {
      const state = device(devEui);
      const decision = decideCommitJoin(state.nonces, check, joinCommit.session.joinNonce, maxJoinNonce);
      if (decision.kind !== 'commit') return decision;
      state.nonces = decision.next;
      return { kind: 'committed', joinNonce: decision.joinNonce, outboxId: commit(state, joinCommit) };
    },
    async commitSession(devEui, session, maxSessions, event, accepted) {
      return commit(device(devEui), {
        session,
        maxSessions,
        event,
        ...(accepted === undefined ? {} : { accepted }),
      });
    },
    async appendEvent(_devEui, event) {
      return append(event);
    },
    async getSession(devEui, sessionKeyId) {
      return devices.get(devEui)?.sessions.find((s) => s.sessionKeyId === sessionKeyId);
    },
    async resetDevNonces(devEui, audit) {
      const state = device(devEui);
      const reset: DevNonceReset = {
        ...audit,
        lastDevNonce: state.nonces.lastDevNonce,
        historySize: state.nonces.devNonceHistory.length,
      };
      state.nonces = { ...state.nonces, lastDevNonce: -1, devNonceHistory: [] };
      state.resets.push(reset);
      return reset;
    },
    async getNonceState(devEui): Promise<NonceState> {
      const state = devices.get(devEui) ?? { nonces: emptyNonceRecord(), sessions: [], resets: [] };
      return { ...state.nonces, sessionCount: state.sessions.length, resets: [...state.resets] };
    },
    outbox: {
      async read(limit) {
        return [...outbox.values()].slice(0, limit);
      },
      async ack(ids) {
        for (const id of ids) outbox.delete(id);
      },
      async count() {
        return outbox.size;
      },
    },
    async close() {},
  };
}
