import { devNonceStyle } from '@joinery/lorawan';
import type { AcceptedJoin, CommitJoinOutcome, JoinRetryProbe, MacVersion, NonceCheck } from './ports.js';

/**
 * PRODUCT invariant 4, read from the version's facts (`macVersionFacts` of @joinery/lorawan): devices that draw
 * DevNonces at random (1.0.0–1.0.3) get the history policy, only reuse within a bounded history is refused; devices
 * that count (1.0.4, 1.1) the counter policy, anything not greater than the last accepted value is refused.
 */
export function devNonceCheck(
  macVersion: MacVersion,
  devNonce: number,
  historySize: number,
  retry?: JoinRetryProbe,
): NonceCheck {
  const probe = retry === undefined ? {} : { retry };
  return devNonceStyle(macVersion) === 'counter'
    ? { kind: 'dev_nonce', policy: 'counter', devNonce, ...probe }
    : { kind: 'dev_nonce', policy: 'history', devNonce, historySize, ...probe };
}

/** The pure decision of the reserve step, shared by the memory and LMDB adapters (Redis runs the same in Lua). */
export interface NonceRecord {
  joinNonce: number;
  lastDevNonce: number;
  devNonceHistory: number[];
  lastRjCount0: number;
  rejoinFrameHistory: string[];
  lastRjCount1: number;
  /** The last accepted join, for its identical retry; null when none. */
  lastAccept: AcceptedJoin | null;
}

/** How many accepted type 0/2 rejoin-requests are remembered to refuse their replay. */
export const rejoinFrameHistorySize = 16;

export const emptyNonceRecord = (): NonceRecord => ({
  joinNonce: 0,
  lastDevNonce: -1,
  devNonceHistory: [],
  lastRjCount0: -1,
  rejoinFrameHistory: [],
  lastRjCount1: -1,
  lastAccept: null,
});

export type ReserveDecision =
  | {
      ok: true;
      joinNonce: number;
      next: NonceRecord;
      retryOf?: { sessionKeyId: string; eventId: string };
    }
  | {
      ok: false;
      refusal: 'dev_nonce_replayed' | 'dev_nonce_too_small' | 'rj_count_replayed' | 'join_nonce_exhausted';
    };

/** The retry answer when the refused DevNonce check is the identical retry of the last accepted join. */
function retryOf(record: NonceRecord, check: NonceCheck): ReserveDecision | undefined {
  const last = record.lastAccept;
  if (check.kind !== 'dev_nonce' || check.retry === undefined || last === null) return undefined;
  if (last.devNonce !== check.devNonce || last.digest !== check.retry.digest) return undefined;
  if (check.retry.now - last.at >= check.retry.windowMs) return undefined;
  return {
    ok: true,
    joinNonce: last.joinNonce,
    next: record,
    retryOf: { sessionKeyId: last.sessionKeyId, eventId: last.eventId },
  };
}

export function decideReserve(record: NonceRecord, check: NonceCheck, maxJoinNonce: number): ReserveDecision {
  const next: NonceRecord = {
    ...record,
    devNonceHistory: [...record.devNonceHistory],
    rejoinFrameHistory: [...record.rejoinFrameHistory],
  };
  switch (check.kind) {
    case 'dev_nonce':
      if (check.policy === 'counter') {
        if (check.devNonce <= record.lastDevNonce)
          return retryOf(record, check) ?? { ok: false, refusal: 'dev_nonce_too_small' };
      } else {
        if (record.devNonceHistory.includes(check.devNonce))
          return retryOf(record, check) ?? { ok: false, refusal: 'dev_nonce_replayed' };
        next.devNonceHistory.push(check.devNonce);
        while (next.devNonceHistory.length > check.historySize) next.devNonceHistory.shift();
      }
      next.lastDevNonce = check.devNonce;
      break;
    case 'rj_count0':
      if (next.rejoinFrameHistory.includes(check.frame)) return { ok: false, refusal: 'rj_count_replayed' };
      next.rejoinFrameHistory.push(check.frame);
      while (next.rejoinFrameHistory.length > check.historySize) next.rejoinFrameHistory.shift();
      break;
    case 'rj_count1':
      if (check.rjCount <= record.lastRjCount1) return { ok: false, refusal: 'rj_count_replayed' };
      next.lastRjCount1 = check.rjCount;
      break;
  }
  if (record.joinNonce >= maxJoinNonce) return { ok: false, refusal: 'join_nonce_exhausted' };
  next.joinNonce = record.joinNonce + 1;
  // Every accept starts a new session on the device, whose RJcount0 restarts at 0 (LoRaWAN 1.1 §6.2.4.4): the value
  // is kept for display only, never as a bound. RJcount1 is never reset.
  next.lastRjCount0 = check.kind === 'rj_count0' ? check.rjCount : -1;
  return { ok: true, joinNonce: next.joinNonce, next };
}

/** The `KeysStateStore.guessJoinNonce` of a store that reads the record synchronously: a plain accept's JoinNonce. */
export function guessFrom(record: NonceRecord, check: NonceCheck, maxJoinNonce: number): number | undefined {
  const decision = decideReserve(record, check, maxJoinNonce);
  return decision.ok && decision.retryOf === undefined ? decision.joinNonce : undefined;
}

/** The decision of the one-step `commitJoin`: `decideReserve`, then the JoinNonce the accept was built with. */
export function decideCommitJoin(
  record: NonceRecord,
  check: NonceCheck,
  expectedJoinNonce: number,
  maxJoinNonce: number,
):
  | { kind: 'commit'; joinNonce: number; next: NonceRecord }
  | Exclude<CommitJoinOutcome, { kind: 'committed' }> {
  const decision = decideReserve(record, check, maxJoinNonce);
  if (!decision.ok) return { kind: 'refused', refusal: decision.refusal };
  if (decision.retryOf !== undefined)
    return { kind: 'retry', joinNonce: decision.joinNonce, retryOf: decision.retryOf };
  if (decision.joinNonce !== expectedJoinNonce) return { kind: 'stale', joinNonce: record.joinNonce };
  return { kind: 'commit', joinNonce: decision.joinNonce, next: decision.next };
}
