import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import type { BusRecord, Logger } from './bus.js';
import { busErrors } from './errors.js';
import { kafkaBusOn } from './kafka-bus.js';
import { clusterDouble } from './kafka-double.js';
import { partitionForKey } from './kafka-send.js';

const topic = 'joinery.billing.v1';
const records = (n: number, prefix = 'e'): BusRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic,
    key: `DEV${String(i % 40).padStart(3, '0')}`,
    value: new Uint8Array([i % 256]),
    id: `${prefix}${i}`,
  }));
const rejectsWith = (code: string) => (err: unknown) => JoineryError.is(err, code);

describe('connectKafkaBus publish (kafkajs’s own send over a cluster double)', () => {
  test('a partition leader dead mid-publish: every record is written, each on its key’s partition, in order per key', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3, 1, 2, 3]);
    // Broker 3 is down, and the producer's metadata does not know it yet: its partitions move to brokers 1 and 2 on
    // the first refresh, after those have answered. A send spanning all leaders would then skip partitions 2 and 5.
    c.dead.add(3);
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    const logger = { warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }) };
    const bus = await kafkaBusOn(c.kafka, { logger: logger as unknown as Logger });
    const sent = records(600);
    await bus.publish(sent);
    // kafkajs's send resolved without partitions 2 and 5; the bus sent them again, one call each.
    assert.deepEqual(
      warnings.map((w) => w.obj['partitions']),
      [[2, 5]],
    );
    assert.deepEqual(
      c.written.map((w) => w.id).sort(),
      sent.map((r) => r.id).sort(),
      'every record of the resolved publish is on the topic',
    );
    for (const w of c.written) assert.equal(w.partition, partitionForKey(topic, w.key, 6), w.key);
    for (const key of new Set(sent.map((r) => r.key)))
      assert.deepEqual(
        c.written.filter((w) => w.key === key).map((w) => w.id),
        sent.filter((r) => r.key === key).map((r) => r.id),
      );
    await bus.close();
  });

  test('records land on the partition kafkajs’s default partitioner picks for their key with the producer’s metadata', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]);
    const sent = records(200);
    // kafkajs choosing (no partition given) …
    await c.kafka.producer().sendBatch({
      acks: -1,
      topicMessages: [{ topic, messages: sent.map((r) => ({ key: r.key, value: Buffer.from(r.value) })) }],
    });
    const byKafkajs = new Map(c.written.map((w) => [w.key, w.partition]));
    c.written.length = 0;
    // … and the bus placing them: the same partition for every key.
    const bus = await kafkaBusOn(c.kafka, {});
    await bus.publish(sent);
    assert.equal(c.written.length, sent.length);
    for (const w of c.written) assert.equal(w.partition, byKafkajs.get(w.key), w.key);
    assert.ok(new Set(c.written.map((w) => w.partition)).size > 5, 'records spread over the partitions');
    await bus.close();
  });

  test('a failed producer connect is not kept: the next publish connects again and gets through', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3]);
    const bus = await kafkaBusOn(c.kafka, {});
    c.failConnects(1);
    await assert.rejects(bus.publish(records(3)), (err: Error) => err.name === 'KafkaJSConnectionError');
    await bus.publish(records(3, 'again'));
    assert.deepEqual(c.written.map((w) => w.id).sort(), ['again0', 'again1', 'again2']);
    assert.deepEqual(c.events.slice(0, 3), ['connect 1', 'disconnect 1', 'connect 2']);
    await bus.close();
  });

  test('a publish waits for the send in flight, then goes with the others waiting; a failed send fails its publishes only, and the next send is on a new producer after the failed one settled', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3]);
    const bus = await kafkaBusOn(c.kafka, {});
    await bus.publish(records(1, 'warm'));
    c.poisonKeys.add('POISON');
    const first = bus.publish([
      { topic, key: 'POISON', value: new Uint8Array([1]), id: 'p' },
      ...records(5, 'a'),
    ]);
    const second = bus.publish(records(5, 'b'));
    const third = bus.publish(records(5, 'c'));
    await assert.rejects(first, (err: Error) => err.name === 'KafkaJSProtocolError');
    await Promise.all([second, third]);
    const ids = c.written.map((w) => w.id);
    for (const id of ['b0', 'b4', 'c0', 'c4']) assert.ok(ids.includes(id), id);
    assert.ok(!ids.includes('p'));
    // b and c went together, on producer 2, after producer 1's calls had all ended and it was disconnected.
    assert.deepEqual(
      new Set(c.written.filter((w) => w.id?.match(/^[bc]/)).map((w) => w.producer)),
      new Set([2]),
    );
    const firstOf2 = c.events.indexOf('connect 2');
    assert.ok(c.events.lastIndexOf('send 1 end') < firstOf2, c.events.join(', '));
    assert.ok(c.events.indexOf('disconnect 1') < firstOf2, c.events.join(', '));
    assert.equal(c.events.filter((e) => e === 'send 2 start').length, 1, 'one send of b and c');
    // Per key, b before c.
    for (const key of new Set(c.written.map((w) => w.key))) {
      const seq = c.written.filter((w) => w.key === key && w.id?.match(/^[bc]/)).map((w) => w.id![0]);
      assert.deepEqual(seq, [...seq].sort(), key);
    }
    await bus.close();
  });

  test('a partition count that no longer matches the topic: the publish rejects (bus:not_acknowledged), the count is read again', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3]);
    c.adminCounts.set(topic, 6);
    const bus = await kafkaBusOn(c.kafka, {});
    // kafkajs resolves a send to a partition its metadata lacks without sending it; the bus notices.
    await assert.rejects(bus.publish(records(40)), rejectsWith(busErrors.not_acknowledged.code));
    c.adminCounts.delete(topic);
    await bus.publish(records(40, 'again'));
    const again = c.written.filter((w) => w.id?.startsWith('again'));
    assert.equal(again.length, 40);
    for (const w of again) assert.equal(w.partition, partitionForKey(topic, w.key, 3));
    await bus.close();
  });

  test('the partition count read is bounded: a hanging metadata read rejects with bus:topic_unavailable, and a later publish waits for that same read', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3]);
    const hold = c.holdAdmin();
    const bus = await kafkaBusOn(c.kafka, { topicMetadataTimeoutMs: 30 });
    await assert.rejects(bus.publish(records(3)), rejectsWith(busErrors.topic_unavailable.code));
    assert.equal(c.written.length, 0);
    hold.release();
    await bus.publish(records(3, 'later'));
    assert.equal(c.written.length, 3);
    await bus.close();
  });

  test('close waits for the send in flight; a publish after close is refused', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3]);
    const bus = await kafkaBusOn(c.kafka, {});
    await bus.publish(records(1, 'warm'));
    const inFlight = bus.publish(records(30));
    await new Promise((resolve) => setImmediate(resolve));
    await bus.close();
    await inFlight;
    assert.equal(c.written.length, 31);
    assert.ok(c.events.lastIndexOf('send 1 end') < c.events.indexOf('disconnect 1'), c.events.join(', '));
    await assert.rejects(bus.publish(records(1)), rejectsWith(busErrors.closed.code));
  });
});
