import type { Logger } from '@joinery/logging';
import type { KeyVault, MacVersion } from './key-vault.js';
import type { DevNonceReset } from '@joinery/wire';

export type { KeyVault, Logger, MacVersion };

/** DevEUI as 16 upper-case hex digits (big-endian display order): the key of all per-device state. */
export type DevEuiHex = string;

/** The largest 24-bit JoinNonce; once handed out, the device is refused (PRODUCT invariant 3). */
export const maxJoinNonce = 0xffffff;

/**
 * What the atomic reserve step checks before it increments the JoinNonce. `history` is the LoRaWAN 1.0.0–1.0.3
 * policy (refuse a DevNonce seen among the last `historySize`), `counter` the 1.0.4/1.1 one (refuse ≤ last).
 * Rejoin type 1 checks RJcount1 (per device, never reset: it must increase). Types 0/2 carry RJcount0, which the
 * device resets to 0 with every Join-Accept it processes (LoRaWAN 1.1 §6.2.4.4; LoRaMac-node does so for joins and
 * rejoins alike): every accept the JS gives starts a new session, so the JS never sees two RJcount0 of one session
 * and cannot order them. A replayed type 0/2 frame is refused by its identity instead: the whole frame (its MIC is
 * keyed with the session's SNwkSIntKey, so a fresh frame of a later session with the same RJcount0 differs).
 */
export type NonceCheck =
  | {
      readonly kind: 'dev_nonce';
      readonly policy: 'history';
      readonly devNonce: number;
      readonly historySize: number;
      readonly retry?: JoinRetryProbe;
    }
  | {
      readonly kind: 'dev_nonce';
      readonly policy: 'counter';
      readonly devNonce: number;
      readonly retry?: JoinRetryProbe;
    }
  | {
      readonly kind: 'rj_count0';
      readonly rjCount: number;
      /** The whole rejoin-request as upper-case hex. */
      readonly frame: string;
      readonly historySize: number;
    }
  | { readonly kind: 'rj_count1'; readonly rjCount: number };

/**
 * A JoinReq retry (issue 22 #2): an NS that got no answer sends the identical request again, maybe to another
 * gateway replica. When the DevNonce check fails but the device's last accepted join had this DevNonce and this
 * request digest (everything but the TransactionID) no longer than `windowMs` ago, the reserve answers that join's
 * JoinNonce again instead of a refusal, and changes nothing.
 */
export interface JoinRetryProbe {
  readonly digest: string;
  /** Unix ms. */
  readonly now: number;
  readonly windowMs: number;
}

/** The device's last accepted join, kept (no keys) so that its identical retry is answered again. */
export interface AcceptedJoin {
  readonly devNonce: number;
  readonly digest: string;
  readonly joinNonce: number;
  /** Upper-case hex. */
  readonly sessionKeyId: string;
  readonly eventId: string;
  /** Unix ms. */
  readonly at: number;
}

export type ReserveRefusal =
  'dev_nonce_replayed' | 'dev_nonce_too_small' | 'rj_count_replayed' | 'join_nonce_exhausted';

export type ReserveOutcome =
  | {
      readonly ok: true;
      readonly joinNonce: number;
      /** Set when this is the retry of the last accepted join: its JoinNonce, nothing reserved. */
      readonly retryOf?: { readonly sessionKeyId: string; readonly eventId: string };
    }
  | {
      readonly ok: false;
      readonly refusal: ReserveRefusal;
      /**
       * The identical JoinReq was reserved moments ago and is not committed yet (it is in flight through another
       * gateway replica): asking again shortly gets its answer as a retry. Only stores shared by replicas set it.
       */
      readonly pendingRetry?: true;
    };

/** One record of the transactional outbox (same shape as libs/bus `OutboxSource` records). */
export interface OutboxRecord {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
}

/** An event to append; the store assigns the outbox id. */
export interface OutboxEvent {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
}

export interface OutboxSource {
  /** The oldest `limit` records not yet acknowledged. */
  read(limit: number): Promise<OutboxRecord[]>;
  /** Deletes delivered records. */
  ack(ids: readonly string[]): Promise<void>;
  /** How many records wait to be delivered (not yet acknowledged). */
  count(): Promise<number>;
}

/** A session as kept for AppSKeyReq: the AppSKey only ever wrapped under the storage KEK. */
export interface StoredSession {
  /** Upper-case hex. */
  readonly sessionKeyId: string;
  readonly joinNonce: number;
  readonly storageKekLabel: string;
  readonly storedAppSKey: Uint8Array;
  /** The claim binding the session was made under (`DeviceContext.bindingId`); '' for sessions kept before. */
  readonly bindingId: string;
  /** Unix ms. */
  readonly createdAt: number;
}

export type { DevNonceReset };

export interface NonceState {
  /** Last JoinNonce handed out, 0 when none. */
  readonly joinNonce: number;
  /** -1 when none. */
  readonly lastDevNonce: number;
  readonly devNonceHistory: readonly number[];
  /** RJcount0 of the last accepted type 0/2 rejoin, -1 when none since the last join or type 1 rejoin (no bound). */
  readonly lastRjCount0: number;
  /** Accepted type 0/2 rejoin-requests (upper-case hex), oldest first: a replay of one is refused. */
  readonly rejoinFrameHistory: readonly string[];
  readonly lastRjCount1: number;
  readonly sessionCount: number;
  readonly resets: readonly DevNonceReset[];
}

/** What `commitJoin` stores when its checks pass: what `commitSession` takes. */
export interface JoinCommit {
  /** Its `joinNonce` is the one the join-accept was built with, which the step expects to hand out. */
  readonly session: StoredSession;
  readonly maxSessions: number;
  readonly event: OutboxEvent;
  readonly accepted?: AcceptedJoin;
}

export type CommitJoinOutcome =
  /** Reserved and committed in one step; `outboxId` is the ACCEPTED event's. */
  | { readonly kind: 'committed'; readonly joinNonce: number; readonly outboxId: string }
  /** The device's stored JoinNonce is not the session's minus one: nothing changed. */
  | { readonly kind: 'stale'; readonly joinNonce: number }
  /** The identical retry of the last accepted join, as `reserve` answers it: nothing changed. */
  | {
      readonly kind: 'retry';
      readonly joinNonce: number;
      readonly retryOf: { readonly sessionKeyId: string; readonly eventId: string };
    }
  /** Refused as `reserve` refuses, with the same `pendingRetry`. */
  | { readonly kind: 'refused'; readonly refusal: ReserveRefusal; readonly pendingRetry?: true };

/**
 * Durable per-device state of the keys service. Each method is one atomic step (a Lua script, an LMDB
 * transaction). A join either calls `reserve` then `commitSession`, so a crash in between wastes a JoinNonce but
 * never reuses one; or, when `guessJoinNonce` knows the JoinNonce it will get, builds the accept with it and calls
 * `commitJoin`, which checks and commits at once, so a crash leaves the join either wholly done or not begun.
 */
export interface KeysStateStore {
  /** Checks the DevNonce/RJcount per policy and, if it passes, records it and increments + persists the JoinNonce. */
  reserve(devEui: DevEuiHex, check: NonceCheck): Promise<ReserveOutcome>;
  /**
   * The JoinNonce `reserve(devEui, check)` would hand out if nothing changes meanwhile, known without a round trip;
   * undefined when this store cannot tell cheaply, or when it can tell the check would refuse or answer a retry (so
   * the join takes `reserve` and builds no accept in vain). Only a hint: `commitJoin` decides.
   */
  guessJoinNonce(devEui: DevEuiHex, check: NonceCheck): number | undefined;
  /**
   * `reserve` and `commitSession` in one atomic step, for a join whose accept was built with `commit.session`'s
   * JoinNonce: the same checks with the same refusals, retry answers and `pendingRetry` (changing no more than
   * `reserve` does then); when they pass and the stored JoinNonce is the session's minus one, everything both steps
   * would have done; when it is another, nothing (`stale`, with the stored JoinNonce).
   */
  commitJoin(devEui: DevEuiHex, check: NonceCheck, commit: JoinCommit): Promise<CommitJoinOutcome>;
  /**
   * Stores the session (keeping the newest `maxSessions`) and appends the ACCEPTED event, atomically; with
   * `accepted`, also records it as the device's last accepted join (see `JoinRetryProbe`).
   */
  commitSession(
    devEui: DevEuiHex,
    session: StoredSession,
    maxSessions: number,
    event: OutboxEvent,
    accepted?: AcceptedJoin,
  ): Promise<string>;
  /** Appends an event (a refusal) without touching nonce state; returns its outbox id. */
  appendEvent(devEui: DevEuiHex, event: OutboxEvent): Promise<string>;
  getSession(devEui: DevEuiHex, sessionKeyId: string): Promise<StoredSession | undefined>;
  /** Clears the DevNonce history and last DevNonce (never the JoinNonce) and appends the audit record. */
  resetDevNonces(
    devEui: DevEuiHex,
    audit: { actor: string; reason: string; time: number },
  ): Promise<DevNonceReset>;
  getNonceState(devEui: DevEuiHex): Promise<NonceState>;
  readonly outbox: OutboxSource;
  close(): Promise<void>;
}

export interface Clock {
  /** Unix ms. */
  now(): number;
}
