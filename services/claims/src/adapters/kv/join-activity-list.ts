import type { JoinActivityRecord } from '../../domain/model.js';

/**
 * A device's join activity as stored: one JSON array, newest first by event time, at most `keep` entries. Adding
 * the activity of a bus batch to it returns the next text, or undefined when every entry is known already (by event
 * id). The result is always what parsing the stored list, adding the new entries, sorting newest first (a stable
 * sort: on equal times the stored entries stay ahead) and keeping `keep` would give.
 *
 * Without parsing the whole list when it can: a list of `keep` entries costs a JSON parse and a JSON stringify of
 * about 12 KB per device and batch, most of a join's cost in the activity consumer. When the stored text is a flat
 * array of objects and every new entry is newer than its first (the newest: the list is only ever written by this
 * function, in order), the new entries go in front of the stored text as it is and the list is cut after `keep`
 * entries; anything else takes the full parse.
 */
export function addToJoinActivity(
  raw: string | undefined,
  activities: readonly JoinActivityRecord[],
  keep: number,
): string | undefined {
  const starts = raw === undefined ? undefined : entryStarts(raw);
  if (raw === undefined || starts === undefined || starts.length === 0)
    return addByParsing(raw, activities, keep);
  const added: JoinActivityRecord[] = [];
  const ids = new Set<string>();
  for (const a of activities) {
    if (ids.has(a.eventId)) continue;
    ids.add(a.eventId);
    // An entry's event id appears in the stored text exactly as JSON.stringify writes it: no other text of a flat
    // array of objects can read `"eventId":"…"` (a quote inside a string is escaped).
    if (!raw.includes(`"eventId":${JSON.stringify(a.eventId)}`)) added.push(a);
  }
  if (added.length === 0) return undefined;
  const newest = (JSON.parse(raw.slice(starts[0], (starts[1] ?? raw.length) - 1)) as JoinActivityRecord).time;
  if (typeof newest !== 'string' || added.some((a) => !(a.time > newest)))
    return addByParsing(raw, activities, keep);
  const front = [...added].sort(newestFirst).slice(0, keep);
  const kept = Math.min(starts.length, keep - front.length);
  const head = front.map((a) => JSON.stringify(a)).join(',');
  if (kept === 0) return `[${head}]`;
  const storedEnd = kept < starts.length ? starts[kept]! - 1 : raw.length - 1;
  return `[${head},${raw.slice(1, storedEnd)}]`;
}

const newestFirst = (a: JoinActivityRecord, b: JoinActivityRecord) =>
  a.time < b.time ? 1 : a.time > b.time ? -1 : 0;

/** The slow path, and the definition of the result. */
function addByParsing(
  raw: string | undefined,
  activities: readonly JoinActivityRecord[],
  keep: number,
): string | undefined {
  const current = raw === undefined ? [] : (JSON.parse(raw) as JoinActivityRecord[]);
  const known = new Set(current.map((a) => a.eventId));
  const added: JoinActivityRecord[] = [];
  for (const a of activities) {
    if (known.has(a.eventId)) continue;
    known.add(a.eventId);
    added.push(a);
  }
  if (added.length === 0) return undefined;
  return JSON.stringify([...current, ...added].sort(newestFirst).slice(0, keep));
}

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const comma = 0x2c;

/**
 * Where each entry of a JSON array of flat objects (no object or array inside an entry) starts, or undefined for any
 * other text (whitespace included: the lists are written by JSON.stringify). The text is assumed to be valid JSON.
 */
function entryStarts(raw: string): number[] | undefined {
  if (raw.charCodeAt(0) !== openBracket || raw.charCodeAt(raw.length - 1) !== closeBracket) return undefined;
  if (raw.length === 2) return [];
  const starts: number[] = [];
  let i = 1;
  for (;;) {
    if (raw.charCodeAt(i) !== openBrace) return undefined;
    starts.push(i);
    i += 1;
    // Inside one entry: strings are skipped whole; a brace or bracket outside them is a nested value.
    for (;;) {
      const c = raw.charCodeAt(i);
      if (c === quote) {
        i += 1;
        for (;;) {
          const next = raw.indexOf('"', i);
          if (next === -1) return undefined;
          let slashes = 0;
          while (raw.charCodeAt(next - 1 - slashes) === backslash) slashes += 1;
          i = next + 1;
          if (slashes % 2 === 0) break;
        }
      } else if (c === closeBrace) break;
      else if (c === openBrace || c === openBracket || c === closeBracket || Number.isNaN(c))
        return undefined;
      else i += 1;
    }
    i += 1;
    const after = raw.charCodeAt(i);
    if (after === closeBracket) return i === raw.length - 1 ? starts : undefined;
    if (after !== comma) return undefined;
    i += 1;
  }
}
