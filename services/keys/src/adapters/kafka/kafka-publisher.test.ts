import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { partitionForKey } from '@joinery/bus';
import { clusterDouble } from '@joinery/bus/kafka-double';
import type { Logger } from '../../domain/ports.js';
import { kafkaPublisherOn } from './kafka-publisher.js';

const topic = 'joinery.joins.v1';

describe('kafkaPublisherOn (kafkajs’s own send over a cluster double)', () => {
  test('a partition leader dead mid-publish: the partitions the send left unacknowledged are sent again, none lost', async () => {
    const c = clusterDouble();
    c.leaders.set(topic, [1, 2, 3, 1, 2, 3]);
    // Broker 3 is down and the producer's metadata does not know it yet: its partitions move to brokers 1 and 2 on
    // the first refresh, after those answered, and kafkajs's retry skips them (its send resolves without them).
    c.dead.add(3);
    const warnings: Record<string, unknown>[] = [];
    const logger = { info() {}, warn: (obj: Record<string, unknown>) => warnings.push(obj) };
    const publisher = await kafkaPublisherOn(c.kafka, {
      sourceIds: ['shard-0', 'shard-1'],
      logger: logger as unknown as Logger,
      lingerMs: 0,
    });
    const records = (shard: number) =>
      Array.from({ length: 60 }, (_, i) => ({
        id: `1700000000000-${i}`,
        topic,
        key: `70B3D57ED00000${String(i % 30).padStart(2, '0')}`,
        value: new Uint8Array([shard, i]),
      }));
    await Promise.all([
      publisher.publishFrom('shard-0', records(0)),
      publisher.publishFrom('shard-1', records(1)),
    ]);
    assert.deepEqual(
      warnings.map((w) => w['partitions']),
      [[2, 5]],
    );
    // Every record once (30 keys, 2 records of each in each of the 2 shards), each on its key’s partition.
    assert.equal(c.written.length, 120);
    for (const w of c.written) assert.equal(w.partition, partitionForKey(topic, w.key, 6), w.key);
    const perKey = new Map<string, number>();
    for (const w of c.written) perKey.set(w.key, (perKey.get(w.key) ?? 0) + 1);
    assert.deepEqual(new Set(perKey.values()), new Set([4]));
    await publisher.close();
  });
});
