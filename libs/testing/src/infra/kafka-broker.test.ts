import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { infraErrors } from './errors.js';
import { brokerArgs, prepareBrokerStorage, type BrokerRuntime } from './kafka-broker.js';

const runtime: BrokerRuntime = {
  java: '/usr/bin/java',
  libs: '/cache/kafka/libs',
  log4j: '/tmp/k/log4j.properties',
};

test('a broker JVM gets its heap, G1, the extra options, then the jars, log4j and its properties file', () => {
  assert.deepEqual(
    brokerArgs(runtime, '/tmp/k/server.properties', { initial: 128, max: 384 }, ['-XX:TieredStopAtLevel=1']),
    [
      '-Xms128m',
      '-Xmx384m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      '-Dlog4j.configuration=file:/tmp/k/log4j.properties',
      '-cp',
      '/cache/kafka/libs/*',
      'kafka.Kafka',
      '/tmp/k/server.properties',
    ],
  );
  assert.deepEqual(brokerArgs(runtime, 'p', { initial: 256, max: 512 }).slice(0, 2), [
    '-Xms256m',
    '-Xmx512m',
  ]);
});

test('preparing a broker writes its properties; a failed storage format is testing:infra_unavailable naming the broker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-kafka-broker-test-'));
  try {
    const properties = join(dir, 'server.properties');
    // `false` stands in for java: the format step fails as a broken Java or jar cache would.
    const broken = { ...runtime, java: 'false' };
    await assert.rejects(
      prepareBrokerStorage(broken, {
        properties,
        settings: { 'node.id': '2', 'log.dirs': join(dir, 'data') },
        writtenBy: 'kafka-broker.test.ts',
        clusterId: 'abc',
        cwd: dir,
        what: 'Kafka storage of node 2',
      }),
      (err: unknown) => {
        assert.ok(JoineryError.is(err, infraErrors.infra_unavailable.code), String(err));
        assert.equal(err.details.step, 'kafka storage format');
        return true;
      },
    );
    assert.equal(
      readFileSync(properties, 'utf8'),
      `# written by kafka-broker.test.ts\nnode.id=2\nlog.dirs=${join(dir, 'data')}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
