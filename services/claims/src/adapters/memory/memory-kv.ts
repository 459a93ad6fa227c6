import { randomUUID } from 'node:crypto';
import type { AttemptPolicy, AttemptReservation, JoinOutcome } from '../../domain/ports.js';
import { reserveInList, type AttemptHit } from '../kv/attempts.js';
import { applyJoin, type JoinEntry } from '../kv/activation.js';
import type { KvBackend } from '../kv/kv-backend.js';
import { withEntries, type ListEntry, type StoredList } from '../kv/bounded-list.js';

/** An in-memory KvBackend for unit tests and throwaway runs. */
export class MemoryKv implements KvBackend {
  private readonly values = new Map<string, string>();
  private readonly indexes = new Map<string, Set<string>>();
  private readonly hits = new Map<string, AttemptHit[]>();
  private readonly lists = new Map<string, ListEntry[]>();

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((k) => this.values.get(k));
  }

  async put(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean> {
    if (this.values.get(key) !== expected) return false;
    this.values.set(key, next);
    return true;
  }

  async insertAllIfAbsent(entries: readonly (readonly [string, string])[]): Promise<string | undefined> {
    const conflict = entries.find(([k]) => this.values.has(k));
    if (conflict) return conflict[0];
    for (const [k, v] of entries) this.values.set(k, v);
    return undefined;
  }

  async recordJoins(entries: readonly JoinEntry[]): Promise<JoinOutcome[]> {
    return entries.map((e) => {
      const { outcome, next } = applyJoin(
        this.values.get(e.activationKey),
        () => this.values.get(e.deviceKey),
        e.eventId,
        e.time,
      );
      if (next !== undefined) this.values.set(e.activationKey, next);
      return outcome;
    });
  }

  async appendToList(
    key: string,
    entries: readonly ListEntry[],
    keep: number,
    converting?: string,
  ): Promise<boolean> {
    if (this.values.get(key) !== converting) return false;
    const next = withEntries(this.lists.get(key) ?? [], entries, keep);
    if (next !== undefined) this.lists.set(key, next);
    if (converting !== undefined) this.values.delete(key);
    return true;
  }

  async readList(key: string): Promise<StoredList> {
    return { plain: this.values.get(key), values: (this.lists.get(key) ?? []).map((e) => e.value) };
  }

  async indexAdd(index: string, members: readonly string[]): Promise<void> {
    let set = this.indexes.get(index);
    if (!set) this.indexes.set(index, (set = new Set()));
    for (const m of members) set.add(m);
  }

  async indexRemove(index: string, member: string): Promise<void> {
    this.indexes.get(index)?.delete(member);
  }

  async indexRange(index: string, after: string | null, limit: number): Promise<string[]> {
    const all = [...(this.indexes.get(index) ?? [])].sort();
    return all.filter((m) => after === null || m > after).slice(0, limit);
  }

  async indexBeyond(index: string, skip: number, limit: number): Promise<string[]> {
    return [...(this.indexes.get(index) ?? [])].sort().slice(skip, skip + limit);
  }

  async reserveAttempt(key: string, nowMs: number, policy: AttemptPolicy): Promise<AttemptReservation> {
    const { hits, reservation } = reserveInList(this.hits.get(key) ?? [], nowMs, policy, randomUUID());
    this.hits.set(key, hits);
    return reservation;
  }

  async releaseAttempt(key: string, token: string): Promise<void> {
    const hits = this.hits.get(key);
    if (hits !== undefined)
      this.hits.set(
        key,
        hits.filter((h) => h.id !== token),
      );
  }

  async close(): Promise<void> {}
}
