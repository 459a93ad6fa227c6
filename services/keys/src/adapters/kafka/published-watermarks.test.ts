import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OutboxRecord } from '../../domain/ports.js';
import { PublishedWatermarks, partitionForKey } from './published-watermarks.js';

const topic = 'joinery.joins.v1';
const record = (id: string, key: string): OutboxRecord => ({ id, topic, key, value: new Uint8Array([1]) });

/** DevEUIs that fall in partitions 0, 1 and 2 of a three-partition topic. */
function keysByPartition(count: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.filter((k) => k !== '').length < count; i += 1) {
    const key = i.toString(16).toUpperCase().padStart(16, '0');
    const p = partitionForKey(topic, key, count);
    if (found[p] === undefined || found[p] === '') found[p] = key;
    for (let j = 0; j < count; j += 1) found[j] ??= '';
  }
  return found;
}

describe('partitionForKey', () => {
  test("is kafkajs's Java-compatible murmur2 partitioner (the values the Java client computes)", () => {
    // Kafka's UtilsTest.testMurmur2: murmur2("21") = -973932308, ("foobar") = -790332482, ("abc") = 479470107;
    // the partition is (hash & 0x7fffffff) % count.
    assert.equal(partitionForKey(topic, '21', 1000), 340);
    assert.equal(partitionForKey(topic, 'foobar', 1000), 166);
    assert.equal(partitionForKey(topic, 'abc', 1000), 107);
  });

  test('depends only on the key and the partition count', () => {
    assert.equal(partitionForKey('a', '0102030405060708', 12), partitionForKey('b', '0102030405060708', 12));
    for (let n = 1; n <= 8; n += 1) {
      const p = partitionForKey(topic, '0102030405060708', n);
      assert.ok(p >= 0 && p < n);
    }
  });
});

describe('PublishedWatermarks', () => {
  const [k0, k1, k2] = keysByPartition(3) as [string, string, string];

  test('an empty topic: everything is published, each record with the partition of its key', () => {
    const marks = new PublishedWatermarks(topic, 3, new Map());
    const placed = marks.unpublished([record('5-0', k0), record('5-1', k1), record('6-0', k2)]);
    assert.deepEqual(
      placed.map((p) => [p.record.id, p.partition]),
      [
        ['5-0', 0],
        ['5-1', 1],
        ['6-0', 2],
      ],
    );
  });

  test('after a crash between the ack and the trim: records up to each partition’s highest id are skipped', () => {
    // Partition 0 has everything up to 7-0, partition 1 up to 5-1, partition 2 nothing yet.
    const marks = new PublishedWatermarks(
      topic,
      3,
      new Map([
        [0, '7-0'],
        [1, '5-1'],
      ]),
    );
    const batch = [
      record('5-0', k0),
      record('5-1', k1),
      record('6-0', k2),
      record('7-0', k0),
      record('7-1', k1),
      record('8-0', k0),
    ];
    assert.deepEqual(
      marks.unpublished(batch).map((p) => [p.record.id, p.partition]),
      [
        ['6-0', 2],
        ['7-1', 1],
        ['8-0', 0],
      ],
    );
  });

  test('published() moves the watermarks, so a retried batch is not sent twice', () => {
    const marks = new PublishedWatermarks(topic, 3, new Map());
    const batch = [record('1', k0), record('2', k1), record('3', k0)];
    marks.published(marks.unpublished(batch));
    assert.equal(marks.highest(0), '3');
    assert.equal(marks.highest(1), '2');
    assert.equal(marks.highest(2), undefined);
    assert.deepEqual(marks.unpublished(batch), []);
    assert.deepEqual(
      marks.unpublished([...batch, record('10', k2), record('11', k0)]).map((p) => p.record.id),
      ['10', '11'],
    );
  });

  test('ids compare numerically, not as text', () => {
    const marks = new PublishedWatermarks(topic, 3, new Map([[0, '9']]));
    assert.deepEqual(
      marks.unpublished([record('9', k0), record('10', k0)]).map((p) => p.record.id),
      ['10'],
    );
  });
});
