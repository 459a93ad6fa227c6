// The ratio bench's harness works end to end on a tiny run: every part runs (crypto floor, keys and floor, overload,
// distributed path, ChirpStack v3's Join Server, embedded mode), the ratio object has every field, and the peer's
// answers pass the generator's join-accept checks, which refuse an answer opened with the wrong key. No timing is
// asserted: the figures of a tiny run on a shared machine mean nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectRedis } from '@joinery/store';
import { joinReqBody, newDevice } from '../../test/e2e/src/gateway/ns-client.js';
import { runLoadgen } from '../loadgen/loadgen.js';
import { renderResults } from './ratios.bench.js';
import { measureRatios, startPeer, type Ratios, type Verdict } from './ratios.js';

const redisUrl = process.env['REDIS_URL'];
const kafkaBrokers = process.env['KAFKA_BROKERS'];
const infraMissing =
  redisUrl === undefined || kafkaBrokers === undefined ? 'needs REDIS_URL and KAFKA_BROKERS' : false;

const isVerdict = (v: Verdict, where: string) => {
  assert.deepEqual(Object.keys(v).sort(), ['met', 'must', 'ratio', 'target'], where);
  assert.equal(typeof v.ratio, 'number', where);
  assert.equal(typeof v.met, 'boolean', where);
  assert.ok(v.must === '≤' || v.must === '≥', where);
};

// The tiny run still starts a dozen processes (the distributed stack, the peers, the load generators) and runs each
// phase for its seconds: at a load average of about 25 it took longer than the runner's 5 minutes per test. The longer
// timeout is a safety net for a hang, not a bound on how fast it should be.
test(
  'a tiny run yields every ratio, each beside its figures and load',
  { skip: infraMissing, timeout: 20 * 60_000 },
  async () => {
    const r: Ratios = await measureRatios({
      redisUrl: redisUrl!,
      kafkaBrokers: kafkaBrokers!,
      devices: 100,
      seconds: 1,
      inFlight: 8,
      overloadSeconds: 1,
    });
    assert.deepEqual(Object.keys(r).sort(), [
      'at',
      'crypto',
      'distributed',
      'embedded',
      'keys',
      'latency',
      'machine',
      'nodePeer',
      'options',
      'overload',
      'peer',
    ]);
    for (const v of [
      r.embedded.cpuPerJoinVsCrypto,
      r.distributed.cpuPerJoinVsCrypto,
      r.keys.throughputVsFloor,
      r.latency.p99VsFloor,
      r.overload.refusedP99,
      r.overload.acceptedP99Kept,
      r.peer.distributedVsPeer,
      r.peer.embeddedVsPeer,
    ])
      isVerdict(v, JSON.stringify(v));
    for (const load of [
      r.crypto.load,
      r.embedded.load,
      r.distributed.load,
      r.keys.load,
      r.keys.floorLoad,
      r.peer.load,
      r.nodePeer.load,
    ])
      assert.deepEqual(Object.keys(load).sort(), ['busyCores', 'loadavg1', 'stealCores']);
    assert.ok(r.crypto.medianUs > 0);
    // The whole path's processes, Redis and Kafka included.
    assert.deepEqual(Object.keys(r.distributed.perProcessMsPerJoin).sort(), [
      'bi-gateway',
      'claims',
      'kafka',
      'keys',
      'redis',
    ]);
    assert.deepEqual(Object.keys(r.peer.perProcessMsPerJoin).sort(), ['peer', 'redis']);
    assert.deepEqual(Object.keys(r.nodePeer.perProcessMsPerJoin).sort(), ['node-peer', 'redis']);
    assert.equal(r.nodePeer.errors, 0);
    assert.ok(r.nodePeer.joinsPerS > 0 && r.nodePeer.vsPeer > 0);
    // Every path answered, and every answer of the peer passed the checks (Success, join-accept MIC verified).
    for (const part of [r.embedded, r.distributed, r.peer]) assert.ok(part.joinsPerS > 0);
    assert.equal(r.peer.errors, 0);
    assert.equal(r.peer.atDistributedRate.errors, 0);
    assert.ok(r.peer.atDistributedRate.cpuMsPerJoin > 0);
    assert.ok(r.keys.callsPerS > 0 && r.keys.floorCallsPerS > 0);
    const md = renderResults(r);
    assert.match(md, /^# Ratios \(issue 23\)/);
    assert.doesNotMatch(md, /undefined/);
  },
);

for (const implementation of ['go', 'node'] as const)
  test(
    `the ${implementation} peer answers JoinReqs that verify with the device key, and fail the check with another key`,
    {
      skip: infraMissing,
    },
    async () => {
      const url = `${redisUrl!.replace(/\/\d*$/, '')}/11`;
      const redis = connectRedis(url, { connectionName: 'ratios-test' });
      const dir = mkdtempSync(join(tmpdir(), 'joinery-ratios-test-'));
      const devices = Array.from({ length: 20 }, newDevice);
      try {
        await redis.flushdb();
        for (const d of devices)
          await redis.hset(`peer:device-keys:${d.devEui.toLowerCase()}`, {
            nwk_key: Buffer.from(d.nwkKey).toString('hex'),
            app_key: Buffer.from(d.nwkKey).toString('hex'),
            join_nonce: '0',
          });
        const peer = await startPeer(
          url,
          dir,
          randomBytes(16).toString('hex'),
          randomBytes(16).toString('hex'),
          implementation,
        );
        try {
          const target = {
            mode: 'http',
            url: `https://127.0.0.1:${peer.port}/`,
            ...peer.tls,
            conns: 4,
          } as const;
          const bodies = devices.map((d, i) => joinReqBody(d, '70B3D57ED0023023', '000013', 1, i + 1));
          const right = await runLoadgen(
            target,
            { rate: 20, seconds: 1 },
            bodies,
            devices.map((d) => d.nwkKey),
          );
          assert.equal(right.ok, 20);
          assert.deepEqual(right.failures, {});
          // Each device's JoinNonce went up once in Redis, as chirpstack-application-server's storage does.
          assert.equal(
            await redis.hget(`peer:device-keys:${devices[0]!.devEui.toLowerCase()}`, 'join_nonce'),
            '1',
          );
          const wrong = await runLoadgen(
            target,
            { rate: 20, seconds: 1 },
            bodies,
            devices.map(() => new Uint8Array(randomBytes(16))),
          );
          assert.equal(wrong.ok, 0);
          assert.deepEqual(wrong.failures, { 'join-accept MIC mismatch': 20 });
        } finally {
          await peer.stop();
        }
      } finally {
        await redis.flushdb();
        await redis.quit();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
