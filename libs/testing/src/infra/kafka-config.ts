import { randomBytes } from 'node:crypto';

/** The Kafka version of every way the tests run it; keep deploy/kafka/pom.xml and docker-compose.yml in step. */
export const kafkaVersion = '3.9.1';
export const kafkaImage = `apache/kafka:${kafkaVersion}`;

export interface BrokerParams {
  /** Where clients connect: `127.0.0.1:23456`. */
  advertised: string;
  /** The PLAINTEXT listener (`127.0.0.1:23456`, or `0.0.0.0:9092` in a container). */
  listener: string;
  /** The KRaft controller listener. */
  controller: string;
  /** Absent in containers, where the image has its own. */
  logDir?: string;
}

/**
 * A single-node KRaft broker+controller for tests: replication factors of 1 for the internal topics (there is one
 * broker), no initial rebalance delay (consumer groups form at once), auto-created topics with 3 partitions, and
 * few internal partitions so that the first consumer group and the first idempotent producer are quick.
 */
export function brokerSettings(params: BrokerParams): Record<string, string> {
  return {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${params.controller}`,
    listeners: `PLAINTEXT://${params.listener},CONTROLLER://${params.controller}`,
    'advertised.listeners': `PLAINTEXT://${params.advertised}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    ...(params.logDir === undefined ? {} : { 'log.dirs': params.logDir }),
    'num.partitions': '3',
    'auto.create.topics.enable': 'true',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '5',
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '4',
    'log.retention.hours': '1',
  };
}

/** Java properties text; keys and values are escaped the way `java.util.Properties.load` reads them. */
export function renderProperties(settings: Readonly<Record<string, string>>, header?: string): string {
  const escape = (s: string, isKey: boolean) =>
    s
      .replaceAll('\\', '\\\\')
      .replaceAll('\n', '\\n')
      .replace(isKey ? /([=: #!])/g : /^([ #!])/g, '\\$1');
  const lines = header === undefined ? [] : header.split('\n').map((l) => `# ${l}`);
  for (const [key, value] of Object.entries(settings))
    lines.push(`${escape(key, true)}=${escape(value, false)}`);
  return `${lines.join('\n')}\n`;
}

/** The same settings as the environment of the apache/kafka image (`log.dirs` → `KAFKA_LOG_DIRS`). */
export function containerEnv(settings: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    env[`KAFKA_${key.replaceAll('_', '__').replaceAll('.', '_').toUpperCase()}`] = value;
  }
  return env;
}

/** The broker's log4j 1.x (reload4j) configuration: everything to stdout, which the runner sends to broker.log. */
export function log4jProperties(): string {
  return renderProperties(
    {
      'log4j.rootLogger': 'INFO, stdout',
      'log4j.appender.stdout': 'org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout': 'org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern': '[%d] %p %m (%c)%n',
      'log4j.logger.kafka.request.logger': 'WARN',
      'log4j.logger.state.change.logger': 'WARN',
      'log4j.logger.org.apache.zookeeper': 'WARN',
    },
    'written by libs/testing/src/infra/kafka.ts',
  );
}

/**
 * A random KRaft cluster id: 16 bytes, URL-safe base64 without padding (what `StorageTool random-uuid` prints).
 * Like Kafka's own `Uuid.randomUuid()`, never one starting with '-', which command lines would take for an option.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
