import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { infraErrors } from './errors.js';
import { freePort } from './free-port.js';
import { cacheRoot, ensureCached } from './jar-cache.js';
import {
  brokerSettings,
  containerEnv,
  kafkaImage,
  kafkaVersion,
  log4jProperties,
  randomClusterId,
  renderProperties,
} from './kafka-config.js';
import { dockerHostAddress } from './docker.js';
import { spawnManaged } from './managed-process.js';
import { nothingToStop, type StartContext, type Started } from './started.js';
import { findExecutable, installHint, type Prerequisite } from './system-packages.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

/** The repository root (this file is libs/testing/src/infra/kafka.ts). */
const repoRoot = new URL('../../../../', import.meta.url).pathname;
export const kafkaPom = join(repoRoot, 'deploy/kafka/pom.xml');

const readyTimeoutMs = 120_000;
const javaPrerequisite: Prerequisite = {
  purpose: 'Kafka (without Docker)',
  binary: 'java',
  debianPackage: 'openjdk-17-jre-headless',
  otherwise: 'any Java 17+ runtime (set JAVA_HOME), e.g. from https://adoptium.net',
};
const mavenPrerequisite: Prerequisite = {
  purpose: 'Kafka (without Docker) fetches the broker jars with Maven and',
  binary: 'mvn',
  debianPackage: 'maven',
  otherwise: 'from https://maven.apache.org/install.html (macOS: `brew install maven`)',
};

/** Kafka from KAFKA_BROKERS, else a container when Docker answers, else a local KRaft broker on Java. */
export async function startKafka(ctx: StartContext): Promise<Started> {
  const given = ctx.env.KAFKA_BROKERS;
  if (given) {
    await waitForAdmin(given.split(','), 30_000, {});
    ctx.log(`kafka: using KAFKA_BROKERS ${given}`);
    return { env: { KAFKA_BROKERS: given }, stop: nothingToStop };
  }
  if (await ctx.docker()) return startKafkaContainer(ctx);
  return startKafkaLocal(ctx);
}

/** The broker's runtime jars, fetched from Maven Central once per pom into the cache outside the repository. */
export async function ensureKafkaJars(
  log: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  const pom = readFileSync(kafkaPom, 'utf8');
  if (!pom.includes(`<kafka.version>${kafkaVersion}</kafka.version>`)) {
    throw new Error(
      `${kafkaPom} does not pin kafka.version ${kafkaVersion} (kafka-config.ts); keep them in step`,
    );
  }
  const dir = join(cacheRoot(env), `kafka-${kafkaVersion}`);
  const { path, filled } = await ensureCached({
    dir,
    contentName: 'libs',
    fingerprint: createHash('sha256').update(pom).digest('hex'),
    log: (line) => log(`kafka: ${line}`),
    fill: async (into) => {
      const mvn = findExecutable('mvn');
      if (!mvn) throw missing(mavenPrerequisite);
      log(`kafka: fetching the Kafka ${kafkaVersion} broker jars from Maven Central into ${dir} (one-time)`);
      try {
        await execFileAsync(
          mvn,
          [
            '-q',
            '-B',
            '-f',
            kafkaPom,
            'dependency:copy-dependencies',
            '-DincludeScope=runtime',
            `-DoutputDirectory=${into}`,
          ],
          { cwd: repoRoot, maxBuffer: 32 << 20, timeout: 10 * 60_000 },
        );
      } catch (err) {
        const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
        throw infraErrors.infra_unavailable(
          { step: 'mvn dependency:copy-dependencies' },
          `fetching the Kafka broker jars with Maven failed (is Maven Central reachable?):\n${out.trim().split('\n').slice(-15).join('\n')}`,
          err,
        );
      }
    },
  });
  if (!filled) log(`kafka: reusing the broker jars in ${path}`);
  return path;
}

function missing(p: Prerequisite): Error {
  return infraErrors.prerequisite_missing(
    { binary: p.binary, package: p.debianPackage },
    `${p.purpose} needs \`${p.binary}\`, which is not installed: ${installHint(p)}; or run Docker, or set KAFKA_BROKERS`,
  );
}

export function findJava(env: Readonly<Record<string, string | undefined>>): string {
  const java =
    (env.JAVA_HOME ? findExecutable('java', join(env.JAVA_HOME, 'bin')) : undefined) ??
    findExecutable('java');
  if (!java) throw missing(javaPrerequisite);
  return java;
}

async function startKafkaLocal(ctx: StartContext): Promise<Started> {
  const java = findJava(ctx.env);
  const libs = await ensureKafkaJars(ctx.log, ctx.env);
  const dir = mkdtempSync(join(tmpdir(), 'joinery-kafka-'));
  const [brokerPort, controllerPort] = [await freePort(), await freePort()];
  const broker = `127.0.0.1:${brokerPort}`;
  const serverProperties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j.properties');
  const classpath = ['-cp', `${libs}/*`];
  const logging = `-Dlog4j.configuration=file:${log4j}`;
  try {
    writeFileSync(
      serverProperties,
      renderProperties(
        brokerSettings({
          advertised: broker,
          listener: broker,
          controller: `127.0.0.1:${controllerPort}`,
          logDir: join(dir, 'data'),
        }),
        'written by libs/testing/src/infra/kafka.ts',
      ),
    );
    writeFileSync(log4j, log4jProperties());
    const format = [
      'format',
      `--cluster-id=${randomClusterId()}`,
      `--config=${serverProperties}`,
      '--ignore-formatted',
    ];
    await execFileAsync(java, [logging, ...classpath, 'kafka.tools.StorageTool', ...format], {
      cwd: dir,
      timeout: 60_000,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    throw infraErrors.infra_unavailable(
      { step: 'kafka storage format' },
      `formatting Kafka storage failed:\n${out.trim().split('\n').slice(-15).join('\n')}`,
      err,
    );
  }
  const server = spawnManaged({
    command: java,
    args: [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      logging,
      ...classpath,
      'kafka.Kafka',
      serverProperties,
    ],
    cwd: dir,
    logFile: join(dir, 'broker.log'),
    tempDir: dir,
    defaultGraceMs: 15_000,
  });
  try {
    await waitForAdmin([broker], readyTimeoutMs, {
      abort: () => server.exited(),
      diagnostics: () => `Kafka broker log (tail of ${server.logFile}):\n${server.logTail(40)}`,
    });
  } catch (err) {
    await server.stop(2_000);
    throw err;
  }
  ctx.log(`kafka: Kafka ${kafkaVersion} KRaft (pid ${server.pid}) on ${broker}`);
  return { env: { KAFKA_BROKERS: broker }, stop: () => server.stop() };
}

async function startKafkaContainer(ctx: StartContext): Promise<Started> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // The advertised address must be known before the broker starts, so the host port is chosen here and mapped 1:1.
  const port = await freePort();
  const host = dockerHostAddress(ctx.env);
  const env = containerEnv(
    brokerSettings({
      advertised: `${host}:${port}`,
      listener: `0.0.0.0:${port}`,
      controller: 'localhost:9093',
    }),
  );
  const container = await new GenericContainer(kafkaImage)
    .withEnvironment({ ...env, CLUSTER_ID: randomClusterId() })
    .withExposedPorts({ container: port, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(readyTimeoutMs)
    .start();
  const broker = `${host}:${port}`;
  await waitForAdmin([broker], readyTimeoutMs, {});
  ctx.log(`kafka: container ${kafkaImage} at ${broker}`);
  return {
    env: { KAFKA_BROKERS: broker },
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Ready means a kafkajs admin client connects and sees a broker, and the group and transaction coordinators have
 * loaded (the first FindCoordinator creates `__consumer_offsets`; the first idempotent producer gets a producer id),
 * so that the tests' first consumer group and producer do not meet "coordinator is loading" retries.
 */
/** A kafkajs client for readiness probes: quiet, short timeouts, no retries (the caller's waitFor retries). */
export function probeClient(clientId: string, brokers: string[]): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
}

async function waitForAdmin(
  brokers: string[],
  timeoutMs: number,
  extra: { abort?: () => string | undefined; diagnostics?: () => string },
): Promise<void> {
  const kafka = probeClient('joinery-infra-probe', brokers);
  await waitFor(
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
        await admin.describeGroups(['joinery-infra-probe']);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      // kafkajs refuses an idempotent producer without retries; a few short ones are still bounded by timeoutMs.
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: 3, initialRetryTime: 100 },
      });
      try {
        await producer.connect();
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    },
    { what: `Kafka at ${brokers.join(',')}`, timeoutMs, intervalMs: 250, ...extra },
  );
}
