import type { AttemptPolicy, AttemptReservation, JoinOutcome } from '../../domain/ports.js';
import type { JoinEntry } from './activation.js';
import type { ListEntry, StoredList } from './bounded-list.js';

/**
 * The few primitives the claims store needs from a key-value engine. Every method on one key is atomic; nothing
 * spans two keys atomically (so the Redis backend works on Redis Cluster, where a script may only touch one slot).
 */
export interface KvBackend {
  get(key: string): Promise<string | undefined>;
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Writes `next` only if the key currently holds `expected` (`undefined`: absent). */
  compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean>;
  /**
   * Writes every entry whose key is absent; if any key exists, removes the entries it wrote and returns that key.
   * All or nothing for callers, though not isolated from concurrent readers.
   */
  insertAllIfAbsent(entries: readonly (readonly [string, string])[]): Promise<string | undefined>;
  /**
   * Applies join events to activation records as `applyJoin` in activation.ts describes, each atomically, in
   * order; one outcome per entry.
   */
  recordJoins(entries: readonly JoinEntry[]): Promise<JoinOutcome[]>;
  /**
   * Adds `entries` to the bounded list of `key` as `withEntries` in bounded-list.ts defines it, atomically, without
   * reading or rewriting the entries already there. The list lives beside the plain value of `key` (`get`/`put`),
   * which may hold a list in the old whole-JSON shape: the call changes nothing and returns false unless that plain
   * value is `converting` (`undefined`: absent); when it is, the plain value is deleted in the same atomic step (the
   * caller passes its entries first in `entries`, so nothing of it is lost).
   */
  appendToList(
    key: string,
    entries: readonly ListEntry[],
    keep: number,
    converting?: string,
  ): Promise<boolean>;
  /** The list of `key` newest first and the plain value of `key`, read together. */
  readList(key: string): Promise<StoredList>;
  /** Sorted sets of strings (lexicographic order). */
  indexAdd(index: string, members: readonly string[]): Promise<void>;
  indexRemove(index: string, member: string): Promise<void>;
  /** Members greater than `after` (all when null), ascending, at most `limit`. */
  indexRange(index: string, after: string | null, limit: number): Promise<string[]>;
  /** The members after the first `skip` (ascending), at most `limit`: what lies beyond a count bound. */
  indexBeyond(index: string, skip: number, limit: number): Promise<string[]>;
  /** Sliding-window attempt counters, as `ClaimsStore.reserveAttempt` (decided as `decideAttempt` in attempts.ts). */
  reserveAttempt(key: string, nowMs: number, policy: AttemptPolicy): Promise<AttemptReservation>;
  releaseAttempt(key: string, token: string): Promise<void>;
  close(): Promise<void>;
}
