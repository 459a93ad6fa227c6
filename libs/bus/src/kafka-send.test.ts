import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { JoineryError } from '@joinery/errors';
import { busErrors } from './errors.js';
import {
  partitionForKey,
  sendAcknowledged,
  sendByPartition,
  type UnacknowledgedPartitions,
} from './kafka-send.js';

/**
 * A producer double that records each sendBatch call, fails the calls `fail` picks, after `delayMs`, and answers
 * for the partitions of the call as a broker does (or as `answer` says).
 */
function recordingProducer(
  fail: (batch: ProducerBatch) => boolean = () => false,
  delayMs = 0,
  answer: (batch: ProducerBatch) => RecordMetadata[] = (batch) =>
    batch.topicMessages!.flatMap((t) =>
      [...new Set(t.messages.map((x) => x.partition!))].map((partition) => ({
        topicName: t.topic,
        partition,
        errorCode: 0,
      })),
    ),
) {
  const calls: ProducerBatch[] = [];
  const settled: ProducerBatch[] = [];
  const producer = {
    async sendBatch(batch: ProducerBatch) {
      calls.push(batch);
      await new Promise((resolve) => setTimeout(resolve, fail(batch) ? 0 : delayMs));
      settled.push(batch);
      if (fail(batch)) throw new Error('produce failed');
      return answer(batch);
    },
  } as unknown as Producer;
  return { producer, calls, settled };
}

const m = (key: string, partition: number) => ({ key, value: Buffer.from(key), partition });

describe('sendByPartition', () => {
  test('one produce call per topic and partition, acks from all in-sync replicas, each in its records’ order', async () => {
    const { producer, calls } = recordingProducer();
    await sendByPartition(producer, [
      { topic: 'a', messages: [m('a1', 0), m('a2', 1), m('a3', 0)] },
      { topic: 'b', messages: [m('b1', 0)] },
    ]);
    const shape = calls.map((c) => ({
      acks: c.acks,
      topics: c.topicMessages!.map((t) => ({
        topic: t.topic,
        keys: t.messages.map((x) => x.key),
        partitions: [...new Set(t.messages.map((x) => x.partition))],
      })),
    }));
    assert.deepEqual(shape, [
      { acks: -1, topics: [{ topic: 'a', keys: ['a1', 'a3'], partitions: [0] }] },
      { acks: -1, topics: [{ topic: 'a', keys: ['a2'], partitions: [1] }] },
      { acks: -1, topics: [{ topic: 'b', keys: ['b1'], partitions: [0] }] },
    ]);
  });

  test('a failed call rejects the send only once every other call has settled', async () => {
    const { producer, calls, settled } = recordingProducer(
      (b) => b.topicMessages![0]!.messages[0]!.partition === 1,
      20,
    );
    await assert.rejects(
      sendByPartition(producer, [{ topic: 'a', messages: [m('a1', 0), m('a2', 1), m('a3', 2)] }]),
      /produce failed/,
    );
    assert.equal(calls.length, 3);
    assert.equal(settled.length, 3, 'no call still in flight when the send rejects');
  });

  test('maxRecordsPerCall: a partition’s records in calls one after another, in order; none after a failed one', async () => {
    const { producer, calls } = recordingProducer((b) =>
      b.topicMessages![0]!.messages.some((x) => x.key === 'a4'),
    );
    const messages = Array.from({ length: 7 }, (_, i) => m(`a${i}`, 0));
    await assert.rejects(
      sendByPartition(producer, [{ topic: 'a', messages: [...messages, m('b0', 1)] }], {
        maxRecordsPerCall: 2,
      }),
      /produce failed/,
    );
    assert.deepEqual(
      calls.map((c) => c.topicMessages![0]!.messages.map((x) => x.key)),
      [['a0', 'a1'], ['b0'], ['a2', 'a3'], ['a4', 'a5']],
    );
  });

  test('a call whose answer lacks its partition, or carries an error code, rejects with bus:not_acknowledged', async () => {
    // kafkajs resolves a call for a partition its metadata does not have without sending it, with no answer for it.
    for (const answer of [() => [], () => [{ topicName: 'a', partition: 0, errorCode: 6 }]]) {
      const { producer } = recordingProducer(undefined, 0, answer);
      await assert.rejects(sendByPartition(producer, [{ topic: 'a', messages: [m('a1', 0)] }]), (err) =>
        JoineryError.is(err, busErrors.not_acknowledged.code),
      );
    }
  });

  test('partitionForKey is kafkajs’s default (Java-compatible) partitioner', () => {
    // Values of Kafka's own murmur2 partitioner for these keys (as checked by the keys watermark tests).
    assert.equal(partitionForKey('t', '21', 1000), 340);
    assert.equal(partitionForKey('t', 'foobar', 1000), 166);
  });
});

describe('sendAcknowledged', () => {
  const keysOf = (calls: ProducerBatch[]) =>
    calls.map((c) => c.topicMessages!.flatMap((t) => t.messages.map((x) => `${t.topic}:${x.key}`)));
  const fullAnswer = (batch: ProducerBatch) =>
    batch.topicMessages!.flatMap((t) =>
      [...new Set(t.messages.map((x) => x.partition!))].map((partition) => ({
        topicName: t.topic,
        partition,
        errorCode: 0,
      })),
    );

  test('when every partition is acknowledged: one call per topic and chunk, all partitions in it', async () => {
    const { producer, calls } = recordingProducer();
    await sendAcknowledged(
      producer,
      [
        { topic: 'a', messages: [m('a1', 0), m('a2', 1), m('a3', 2)] },
        { topic: 'b', messages: [m('b1', 0)] },
      ],
      { maxRecordsPerCall: 2 },
    );
    assert.deepEqual(keysOf(calls), [['a:a1', 'a:a2'], ['a:a3'], ['b:b1']]);
    assert.ok(calls.every((c) => c.acks === -1));
  });

  test('partitions the answer leaves out are sent again, one call each, before the next chunk', async () => {
    // What kafkajs answers when the leader of partitions 1 and 2 died and they moved to a broker that had answered.
    let first = true;
    const { producer, calls } = recordingProducer(undefined, 0, (batch) => {
      const all = fullAnswer(batch);
      if (!first) return all;
      first = false;
      return all.filter((a) => a.partition === 0);
    });
    const left: UnacknowledgedPartitions[] = [];
    await sendAcknowledged(
      producer,
      [{ topic: 'a', messages: [m('a1', 0), m('a2', 1), m('a3', 2), m('a4', 1), m('a5', 0)] }],
      { maxRecordsPerCall: 4, onUnacknowledged: (l) => left.push(l) },
    );
    assert.deepEqual(keysOf(calls), [['a:a1', 'a:a2', 'a:a3', 'a:a4'], ['a:a2', 'a:a4'], ['a:a3'], ['a:a5']]);
    assert.deepEqual(left, [{ topic: 'a', partitions: [1, 2], records: 3 }]);
  });

  test('a partition still not acknowledged on its own call rejects with bus:not_acknowledged', async () => {
    const { producer } = recordingProducer(undefined, 0, (batch) =>
      fullAnswer(batch).filter((a) => a.partition !== 1),
    );
    await assert.rejects(
      sendAcknowledged(producer, [{ topic: 'a', messages: [m('a1', 0), m('a2', 1)] }]),
      (err) => JoineryError.is(err, busErrors.not_acknowledged.code),
    );
  });

  test('a failed call rejects, and nothing after it is sent', async () => {
    const { producer, calls } = recordingProducer((b) => b.topicMessages![0]!.messages[0]!.key === 'a1');
    await assert.rejects(
      sendAcknowledged(producer, [{ topic: 'a', messages: [m('a1', 0), m('a2', 1), m('a3', 0)] }], {
        maxRecordsPerCall: 2,
      }),
      /produce failed/,
    );
    assert.equal(calls.length, 1);
  });
});
