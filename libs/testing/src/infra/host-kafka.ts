import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './free-port.js';
import { ensureKafkaJars } from './kafka.js';
import { brokerSettings, log4jProperties, randomClusterId, renderProperties } from './kafka-config.js';
import { spawnManaged } from './managed-process.js';
import { findExecutable } from './system-packages.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/**
 * One local Kafka broker (KRaft, the `npm test` settings) listening on `host`, run through `wrap` (e.g. a network
 * namespace's `ip netns exec`): the network fault tests put Kafka on a host of its own. Stopped by PID.
 */
export async function startKafkaOnHost(options: {
  host: string;
  wrap?: readonly string[];
  log?: (line: string) => void;
}): Promise<{ brokers: string; pid: number; stop(): Promise<void> }> {
  const log = options.log ?? (() => undefined);
  const java =
    (process.env.JAVA_HOME ? findExecutable('java', join(process.env.JAVA_HOME, 'bin')) : undefined) ??
    findExecutable('java');
  if (java === undefined) throw new Error('Kafka needs java (Debian: openjdk-17-jre-headless)');
  const libs = await ensureKafkaJars(log, process.env);
  const dir = mkdtempSync(join(tmpdir(), 'joinery-host-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const broker = `${options.host}:${port}`;
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(
    properties,
    renderProperties(
      brokerSettings({
        advertised: broker,
        listener: broker,
        controller: `${options.host}:${controllerPort}`,
        logDir: join(dir, 'data'),
      }),
    ),
  );
  writeFileSync(log4j, log4jProperties());
  const jvm = [`-Dlog4j.configuration=file:${log4j}`, '-cp', `${libs}/*`];
  await run(
    java,
    [
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      `--cluster-id=${randomClusterId()}`,
      `--config=${properties}`,
    ],
    {
      cwd: dir,
      timeout: 60_000,
    },
  );
  const wrap = options.wrap ?? [];
  const args = [
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    ...jvm,
    'kafka.Kafka',
    properties,
  ];
  const server = spawnManaged({
    command: wrap.length > 0 ? wrap[0]! : java,
    args: wrap.length > 0 ? [...wrap.slice(1), java, ...args] : args,
    cwd: dir,
    logFile: join(dir, 'broker.log'),
    tempDir: dir,
    defaultGraceMs: 10_000,
  });
  const kafka = new Kafka({
    clientId: 'joinery-host-kafka-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  try {
    await waitFor(
      async () => {
        const admin = kafka.admin();
        try {
          await admin.connect();
          if ((await admin.describeCluster()).brokers.length === 0) throw new Error('no broker yet');
          await admin.describeGroups(['joinery-host-kafka-probe']);
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
        try {
          await producer.connect();
        } finally {
          await producer.disconnect().catch(() => undefined);
        }
      },
      {
        what: `Kafka on ${broker}`,
        timeoutMs: 120_000,
        intervalMs: 500,
        abort: () => server.exited(),
        diagnostics: () => server.logTail(30),
      },
    );
  } catch (err) {
    await server.stop(2_000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  log(`kafka: broker (pid ${server.pid}) on ${broker}`);
  return { brokers: broker, pid: server.pid, stop: () => server.stop() };
}
