import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { parseRedisClusterUrl, redisClusterUrl } from './redis-cluster.js';

test('parseRedisClusterUrl reads seeds and credentials and refuses what is not a cluster URL', () => {
  assert.deepEqual(
    parseRedisClusterUrl('redis-cluster://u:p%40ss@10.0.0.1:7000?nodes=10.0.0.2:7001,[::1]:7002'),
    {
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'u',
      password: 'p@ss',
    },
  );
  for (const bad of [
    'redis://h:1',
    'redis-cluster://h',
    'redis-cluster://h:1/3',
    'redis-cluster://h:1?nodes=x',
    'nope',
  ])
    assert.throws(
      () => parseRedisClusterUrl(bad),
      (err: unknown) => JoineryError.is(err, 'store:invalid_redis_url') && !String(err).includes('p@ss'),
      bad,
    );
});

test('redisClusterUrl names the first node and the rest as seeds', () => {
  assert.equal(redisClusterUrl(['a:1', 'b:2', 'c:3']), 'redis-cluster://a:1?nodes=b:2,c:3');
  assert.deepEqual(parseRedisClusterUrl(redisClusterUrl(['a:1', 'b:2'])).nodes, [
    { host: 'a', port: 1 },
    { host: 'b', port: 2 },
  ]);
});
