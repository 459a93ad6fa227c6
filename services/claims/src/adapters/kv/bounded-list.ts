/**
 * Bounded lists of a key-value backend (a device's join activity): entries newest first by `time`, an entry whose
 * `id` the list holds is not added again, and only the `keep` newest stay. Each backend stores a list so that adding
 * to it costs what the new entries cost, not a read and rewrite of the whole list (see `KvBackend.appendToList`).
 */
export interface ListEntry {
  /** Printable ASCII without spaces (an event id, `isStorableEventId`). */
  readonly id: string;
  /** Compared as text (ISO 8601 times of one format); newest first, an equal time after the entries stored first. */
  readonly time: string;
  /** JSON text (so it holds no raw U+001F, which the Redis backend uses as its separator). */
  readonly value: string;
}

/** What the backend holds at a list's key: the list, and a plain value (the old whole-JSON shape) if one is left. */
export interface StoredList {
  readonly plain: string | undefined;
  /** The entries' values, newest first. */
  readonly values: string[];
}

const newestFirst = (a: ListEntry, b: ListEntry): number => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0);

/**
 * The definition every backend implements: `entries` whose id `list` does not hold (the first of repeated ids),
 * merged into `list` newest first (a stable sort: an equal time lands after what was there, in arrival order), cut
 * to `keep`. `undefined` when nothing is added.
 */
export function withEntries(
  list: readonly ListEntry[],
  entries: readonly ListEntry[],
  keep: number,
): ListEntry[] | undefined {
  const known = new Set(list.map((e) => e.id));
  const added: ListEntry[] = [];
  for (const e of entries) {
    if (known.has(e.id)) continue;
    known.add(e.id);
    added.push(e);
  }
  if (added.length === 0) return undefined;
  return [...list, ...added].sort(newestFirst).slice(0, Math.max(0, keep));
}
