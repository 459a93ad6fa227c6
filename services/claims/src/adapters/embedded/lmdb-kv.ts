import { randomUUID } from 'node:crypto';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { AttemptPolicy, AttemptReservation, JoinOutcome } from '../../domain/ports.js';
import { reserveInList, type AttemptHit } from '../kv/attempts.js';
import { applyJoin, type JoinEntry } from '../kv/activation.js';
import type { KvBackend } from '../kv/kv-backend.js';
import type { ListEntry, StoredList } from '../kv/bounded-list.js';

// The separator of composite keys. Not NUL: lmdb-js's ordered-binary key encoding turns a string with NUL bytes
// longer than about 60 characters into an array key, which sorts outside every string range (index scans lost
// their long members). The unit separator sorts below every printable character, so `end` is `…\u0020`.
const sep = '\u001f';
const afterSep = '\u0020';

// Bounded lists: an entry per key `l␟<list>␟<time>␟<rank>␟<id>` (ascending key order is oldest first; `rank` counts
// down from `topRank` among entries of one time, so the one stored first reads first), and `m␟<list>␟<id>` → ''
// marks the ids the list holds.
const rankWidth = 10;
const topRank = 10 ** rankWidth - 1;

/**
 * KvBackend over LMDB (embedded mode): one database of string keys, conditional writes inside write transactions
 * (LMDB has one writer at a time, so a read-compare-write inside one is atomic). They are lmdb-js asynchronous
 * transactions: concurrent ones are committed together with one fsync, off the event loop, and each promise
 * resolves once its commit is durable. None of the callbacks throws after writing, so the missing rollback of
 * lmdb-js's asynchronous transactions never matters here.
 */
export class LmdbKv implements KvBackend {
  private readonly db: RootDatabase<string, string>;

  constructor(path: string) {
    this.db = open<string, string>({ path, encoding: 'string' });
  }

  /** For tests and tooling that share an open LMDB environment. */
  get database(): Database<string, string> {
    return this.db;
  }

  async get(key: string): Promise<string | undefined> {
    return this.db.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((k) => this.db.get(k));
  }

  async put(key: string, value: string): Promise<void> {
    await this.db.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.db.remove(key);
  }

  async compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.db.get(key) !== expected) return false;
      this.db.putSync(key, next);
      return true;
    });
  }

  async insertAllIfAbsent(entries: readonly (readonly [string, string])[]): Promise<string | undefined> {
    return this.db.transaction(() => {
      const conflict = entries.find(([k]) => this.db.doesExist(k));
      if (conflict) return conflict[0];
      for (const [k, v] of entries) this.db.putSync(k, v);
      return undefined;
    });
  }

  /** One write transaction for the whole batch. */
  async recordJoins(entries: readonly JoinEntry[]): Promise<JoinOutcome[]> {
    if (entries.length === 0) return [];
    return this.db.transaction(() =>
      entries.map((e) => {
        const { outcome, next } = applyJoin(
          this.db.get(e.activationKey),
          () => this.db.get(e.deviceKey),
          e.eventId,
          e.time,
        );
        if (next !== undefined) this.db.putSync(e.activationKey, next);
        return outcome;
      }),
    );
  }

  async appendToList(
    key: string,
    entries: readonly ListEntry[],
    keep: number,
    converting?: string,
  ): Promise<boolean> {
    const prefix = `l${sep}${key}${sep}`;
    const idKey = (id: string) => `m${sep}${key}${sep}${id}`;
    return this.db.transaction(() => {
      if (this.db.get(key) !== converting) return false;
      let added = 0;
      for (const e of entries) {
        if (this.db.doesExist(idKey(e.id))) continue;
        const at = `${prefix}${e.time}${sep}`;
        let rank = topRank;
        for (const k of this.db.getKeys({ start: at, end: `${prefix}${e.time}${afterSep}`, limit: 1 }))
          rank = Number(k.slice(at.length, at.length + rankWidth)) - 1;
        this.db.putSync(`${at}${String(rank).padStart(rankWidth, '0')}${sep}${e.id}`, e.value);
        this.db.putSync(idKey(e.id), '');
        added += 1;
      }
      if (added > 0) {
        // Newest first, past the first `keep`: the entries to drop (collected before removing any).
        const dropped = [
          ...this.db.getKeys({
            start: `l${sep}${key}${afterSep}`,
            end: prefix,
            reverse: true,
            offset: Math.max(0, keep),
          }),
        ];
        for (const k of dropped) {
          this.db.removeSync(k);
          this.db.removeSync(idKey(k.slice(k.lastIndexOf(sep) + 1)));
        }
      }
      if (converting !== undefined) this.db.removeSync(key);
      return true;
    });
  }

  async readList(key: string): Promise<StoredList> {
    const values: string[] = [];
    for (const { value } of this.db.getRange({
      start: `l${sep}${key}${afterSep}`,
      end: `l${sep}${key}${sep}`,
      reverse: true,
    }))
      values.push(value);
    return { plain: this.db.get(key), values };
  }

  private indexKey(index: string, member: string): string {
    return `i${sep}${index}${sep}${member}`;
  }

  async indexAdd(index: string, members: readonly string[]): Promise<void> {
    await this.db.transaction(() => {
      for (const m of members) this.db.putSync(this.indexKey(index, m), '');
    });
  }

  async indexRemove(index: string, member: string): Promise<void> {
    await this.db.remove(this.indexKey(index, member));
  }

  async indexRange(index: string, after: string | null, limit: number): Promise<string[]> {
    const prefix = `i${sep}${index}${sep}`;
    const start = after === null ? prefix : `${prefix}${after}${sep}`;
    const end = `i${sep}${index}${afterSep}`;
    const out: string[] = [];
    for (const key of this.db.getKeys({ start, end, limit })) out.push(key.slice(prefix.length));
    return out;
  }

  async indexBeyond(index: string, skip: number, limit: number): Promise<string[]> {
    const prefix = `i${sep}${index}${sep}`;
    const out: string[] = [];
    for (const key of this.db.getKeys({
      start: prefix,
      end: `i${sep}${index}${afterSep}`,
      offset: skip,
      limit,
    }))
      out.push(key.slice(prefix.length));
    return out;
  }

  // Attempt counters live under their own prefix (the failure lists of older releases, `h`, are left alone).
  private attemptsKey(key: string): string {
    return `a${sep}${key}`;
  }

  async reserveAttempt(key: string, nowMs: number, policy: AttemptPolicy): Promise<AttemptReservation> {
    return this.db.transaction(() => {
      const { hits, reservation } = reserveInList(this.readAttempts(key), nowMs, policy, randomUUID());
      if (reservation.granted) this.db.putSync(this.attemptsKey(key), JSON.stringify(hits));
      return reservation;
    });
  }

  async releaseAttempt(key: string, token: string): Promise<void> {
    await this.db.transaction(() => {
      const hits = this.readAttempts(key);
      const kept = hits.filter((h) => h.id !== token);
      if (kept.length !== hits.length) this.db.putSync(this.attemptsKey(key), JSON.stringify(kept));
    });
  }

  private readAttempts(key: string): AttemptHit[] {
    const raw = this.db.get(this.attemptsKey(key));
    return raw === undefined ? [] : (JSON.parse(raw) as AttemptHit[]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
