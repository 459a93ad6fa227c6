import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  brokerSettings,
  containerEnv,
  kafkaImage,
  kafkaVersion,
  randomClusterId,
  renderProperties,
} from './kafka-config.js';

/** A minimal java.util.Properties reader for the subset renderProperties writes. */
function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.search(/(?<!\\)=/);
    const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out[unescape(line.slice(0, at))] = unescape(line.slice(at + 1));
  }
  return out;
}

const local = brokerSettings({
  advertised: '127.0.0.1:21000',
  listener: '127.0.0.1:21000',
  controller: '127.0.0.1:21001',
  logDir: '/tmp/joinery-kafka-x/data',
});

test('a local broker is single-node KRaft on loopback with replication factors of 1', () => {
  assert.equal(local['process.roles'], 'broker,controller');
  assert.equal(local['controller.quorum.voters'], '1@127.0.0.1:21001');
  assert.equal(local.listeners, 'PLAINTEXT://127.0.0.1:21000,CONTROLLER://127.0.0.1:21001');
  assert.equal(local['advertised.listeners'], 'PLAINTEXT://127.0.0.1:21000');
  assert.equal(local['log.dirs'], '/tmp/joinery-kafka-x/data');
  assert.equal(local['offsets.topic.replication.factor'], '1');
  assert.equal(local['transaction.state.log.replication.factor'], '1');
  assert.equal(local['transaction.state.log.min.isr'], '1');
  assert.equal(local['group.initial.rebalance.delay.ms'], '0');
  assert.equal(local['auto.create.topics.enable'], 'true');
  assert.equal(local['num.partitions'], '3');
});

test('a container broker leaves log.dirs to the image', () => {
  const settings = brokerSettings({
    advertised: 'localhost:21000',
    listener: '0.0.0.0:21000',
    controller: 'localhost:9093',
  });
  assert.equal('log.dirs' in settings, false);
  assert.equal(settings.listeners, 'PLAINTEXT://0.0.0.0:21000,CONTROLLER://localhost:9093');
});

test('server.properties reads back to the same settings, escapes included', () => {
  const tricky = {
    ...local,
    'a key=with:specials': 'C:\\kafka\\data',
    'leading.space': ' x',
    'multi.line': 'a\nb',
  };
  const text = renderProperties(tricky, 'header line');
  assert.ok(text.startsWith('# header line\n'));
  assert.match(text, /^log\.dirs=\/tmp\/joinery-kafka-x\/data$/m);
  assert.deepEqual(parseProperties(text), tricky);
});

test('the apache/kafka image gets the same settings as KAFKA_* variables', () => {
  const env = containerEnv({
    'offsets.topic.replication.factor': '1',
    'log.dirs': '/d',
    'some_odd.key': 'v',
  });
  assert.deepEqual(env, {
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_LOG_DIRS: '/d',
    KAFKA_SOME__ODD_KEY: 'v',
  });
});

test('a cluster id is 16 random bytes in URL-safe base64, as KRaft expects', () => {
  const a = randomClusterId();
  assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(Buffer.from(a, 'base64url').length, 16);
  assert.notEqual(randomClusterId(), a);
  const many = Array.from({ length: 2_000 }, randomClusterId);
  assert.equal(many.filter((id) => id.startsWith('-')).length, 0);
});

test('the Maven pom and the image pin the same Kafka version', () => {
  const pom = readFileSync(new URL('../../../../deploy/kafka/pom.xml', import.meta.url), 'utf8');
  assert.match(pom, new RegExp(`<kafka.version>${kafkaVersion.replaceAll('.', '\\.')}</kafka.version>`));
  assert.match(kafkaVersion, /^3\.9\.\d+$/);
  assert.equal(kafkaImage, `apache/kafka:${kafkaVersion}`);
});
