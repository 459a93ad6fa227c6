import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { startRedisCluster } from './redis-cluster.js';

test('a 6-node Redis Cluster starts, serves keys of every slot through a cluster client, and stops by PID', async () => {
  const cluster = await startRedisCluster();
  const pids = cluster.nodes.map((n) => n.process.pid);
  try {
    assert.equal(cluster.nodes.length, 6);
    const seeds = cluster.env.REDIS_CLUSTER_NODES.split(',').map((a) => {
      const [host, port] = a.split(':');
      return { host: host!, port: Number(port) };
    });
    const client = new Cluster(seeds, { redisOptions: { maxRetriesPerRequest: 1 } });
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `probe:${i}`);
      await Promise.all(keys.map((k, i) => client.set(k, String(i))));
      assert.deepEqual(
        await Promise.all(keys.map((k) => client.get(k))),
        keys.map((_, i) => String(i)),
      );
      // The keys landed on all three primaries: the slot map is spread.
      const primaries = client.nodes('master');
      assert.equal(primaries.length, 3);
      const sizes = await Promise.all(primaries.map((n) => n.dbsize()));
      assert.ok(
        sizes.every((s) => s > 0),
        `keys per primary: ${sizes.join(',')}`,
      );
      await assert.rejects(client.mget('a{x}', 'b{y}'), /CROSSSLOT/);
      const replicas = await Promise.all(
        cluster.nodes.map(async (n) => {
          const r = new Redis(n.port, n.address.split(':')[0]!, { maxRetriesPerRequest: 1 });
          try {
            return String(await r.call('ROLE')).startsWith('slave');
          } finally {
            r.disconnect();
          }
        }),
      );
      assert.equal(replicas.filter(Boolean).length, 3);
    } finally {
      client.disconnect();
    }
  } finally {
    await cluster.stop();
  }
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});
