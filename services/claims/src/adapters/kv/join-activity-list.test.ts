import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JoinActivityRecord } from '../../domain/model.js';
import { addToJoinActivity } from './join-activity-list.js';

const entry = (eventId: string, second: number, errorCode = ''): JoinActivityRecord => ({
  eventId,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  accepted: errorCode === '',
  resultCode: errorCode === '' ? 'Success' : 'MICFailed',
  errorCode,
  accountId: 'acc_A',
  networkServerId: 'ns_1',
  netId: '000013',
  kind: 'join-request',
  devNonce: second,
});

/** What the activity list means: parse, add the unknown entries, sort newest first (stable), keep `keep`. */
function expected(raw: string | undefined, activities: readonly JoinActivityRecord[], keep: number) {
  const current = raw === undefined ? [] : (JSON.parse(raw) as JoinActivityRecord[]);
  const known = new Set(current.map((a) => a.eventId));
  const added = activities.filter((a) => !known.has(a.eventId) && (known.add(a.eventId), true));
  if (added.length === 0) return undefined;
  return JSON.stringify(
    [...current, ...added].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).slice(0, keep),
  );
}

test('adding join activity gives what parsing, sorting and cutting the whole list gives', () => {
  // Deterministic pseudo-random cases: stored lists of every length up to past `keep`, new entries newer, older,
  // equal in time or already stored, error codes with quotes, braces and backslashes.
  let seed = 7;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const codes = ['', 'keys:mic_failed', 'a "quoted" },{"eventId":"e1"}', 'back\\slash\\', 'x"},{"y', '{[]}'];
  let fastCases = 0;
  for (let round = 0; round < 400; round++) {
    const keep = 1 + random(12);
    let raw: string | undefined;
    let second = 0;
    for (let i = random(16); i > 0; i--) {
      second += random(3);
      raw =
        addToJoinActivity(raw, [entry(`e${second}_${i}`, second, codes[random(codes.length)])], keep) ?? raw;
    }
    const batch = Array.from({ length: 1 + random(4) }, () => {
      const s = second - 3 + random(8);
      return entry(
        random(4) === 0 ? `e${s}_${random(3)}` : `n${round}_${random(1000)}`,
        s,
        codes[random(codes.length)],
      );
    });
    const got = addToJoinActivity(raw, batch, keep);
    assert.equal(got, expected(raw, batch, keep), JSON.stringify({ raw, batch, keep }));
    if (raw !== undefined && batch.every((b) => b.time > (JSON.parse(raw!) as JoinActivityRecord[])[0]!.time))
      fastCases += 1;
  }
  assert.ok(fastCases > 50, `${fastCases} cases with every new entry newer than the stored ones`);
});

test('a full list gets the new entries in front and loses its oldest; known event ids add nothing', () => {
  const stored = JSON.stringify([entry('c', 3), entry('b', 2), entry('a', 1)]);
  assert.equal(
    addToJoinActivity(stored, [entry('e', 5), entry('d', 4)], 3),
    JSON.stringify([entry('e', 5), entry('d', 4), entry('c', 3)]),
  );
  assert.equal(addToJoinActivity(stored, [entry('b', 9), entry('a', 9)], 3), undefined);
  // The same event twice in one batch counts once.
  assert.equal(
    addToJoinActivity(stored, [entry('d', 4), entry('d', 4)], 5),
    JSON.stringify([entry('d', 4), entry('c', 3), entry('b', 2), entry('a', 1)]),
  );
});

test('a late event, an event as old as the newest, or a list in another shape is sorted in as before', () => {
  const stored = JSON.stringify([entry('c', 3), entry('a', 1)]);
  assert.equal(
    addToJoinActivity(stored, [entry('b', 2)], 5),
    JSON.stringify([entry('c', 3), entry('b', 2), entry('a', 1)]),
  );
  // Equal times: the stored entry stays ahead (a stable sort).
  assert.equal(
    addToJoinActivity(stored, [entry('c2', 3)], 5),
    JSON.stringify([entry('c', 3), entry('c2', 3), entry('a', 1)]),
  );
  // Written with spaces, or with a nested value: parsed whole, same meaning.
  const spaced = JSON.stringify([entry('c', 3)], null, 1);
  assert.equal(addToJoinActivity(spaced, [entry('d', 4)], 5), JSON.stringify([entry('d', 4), entry('c', 3)]));
  const nested = JSON.stringify([{ ...entry('c', 3), extra: { eventId: 'd' } }]);
  assert.equal(
    addToJoinActivity(nested, [entry('d', 4)], 5),
    JSON.stringify([entry('d', 4), { ...entry('c', 3), extra: { eventId: 'd' } }]),
  );
  assert.equal(addToJoinActivity('[]', [entry('a', 1)], 5), JSON.stringify([entry('a', 1)]));
  assert.equal(addToJoinActivity(undefined, [entry('a', 1)], 5), JSON.stringify([entry('a', 1)]));
});
