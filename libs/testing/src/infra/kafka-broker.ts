// A local Kafka broker as a JVM of its own (KRaft, from the broker jars cached outside the repository): what the
// single broker of `npm test` (kafka.ts), the broker on a test host (host-kafka.ts) and each node of a cluster
// (kafka-cluster.ts) are started from. The broker settings themselves are kafka-config.ts's.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { infraErrors } from './errors.js';
import { cacheRoot, ensureCached } from './jar-cache.js';
import { kafkaVersion, log4jProperties, renderProperties } from './kafka-config.js';
import { findExecutable, installHint, type Prerequisite } from './system-packages.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

/** The repository root (this file is libs/testing/src/infra/kafka-broker.ts). */
const repoRoot = new URL('../../../../', import.meta.url).pathname;
export const kafkaPom = join(repoRoot, 'deploy/kafka/pom.xml');

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
        throw infraErrors.infra_unavailable(
          { step: 'mvn dependency:copy-dependencies' },
          `fetching the Kafka broker jars with Maven failed (is Maven Central reachable?):\n${outputTail(err)}`,
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

/** The last lines a failed child process wrote (stdout, then stderr). */
function outputTail(err: unknown): string {
  const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
  return out.trim().split('\n').slice(-15).join('\n');
}

export function findJava(env: Readonly<Record<string, string | undefined>>): string {
  const java =
    (env.JAVA_HOME ? findExecutable('java', join(env.JAVA_HOME, 'bin')) : undefined) ??
    findExecutable('java');
  if (!java) throw missing(javaPrerequisite);
  return java;
}

/** What a local broker's JVMs run with: java, the cached broker jars, and the log4j.properties they log by. */
export interface BrokerRuntime {
  readonly java: string;
  readonly libs: string;
  readonly log4j: string;
}

/** Finds java and the broker jars (fetched once) and writes `dir`/log4j.properties. */
export async function brokerRuntime(
  dir: string,
  log: (line: string) => void,
  env: Readonly<Record<string, string | undefined>>,
): Promise<BrokerRuntime> {
  const java = findJava(env);
  const libs = await ensureKafkaJars(log, env);
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(log4j, log4jProperties());
  return { java, libs, log4j };
}

/** The JVM options that load the broker jars and log by the runtime's log4j.properties. */
const classpath = (runtime: BrokerRuntime) => [
  `-Dlog4j.configuration=file:${runtime.log4j}`,
  '-cp',
  `${runtime.libs}/*`,
];

/**
 * Writes a broker's `settings` to `properties` and formats its storage (KRaft) for `clusterId` in the `log.dirs`
 * they name; a failed format is a `testing:infra_unavailable` naming `what` with the tail of the tool's output.
 */
export async function prepareBrokerStorage(
  runtime: BrokerRuntime,
  options: {
    properties: string;
    settings: Record<string, string>;
    /** The file that wrote it, in the properties file's header. */
    writtenBy: string;
    clusterId: string;
    cwd: string;
    /** `Kafka storage`, `Kafka storage of node 2`: what the error names. */
    what: string;
  },
): Promise<void> {
  writeFileSync(options.properties, renderProperties(options.settings, `written by ${options.writtenBy}`));
  const format = [
    'format',
    `--cluster-id=${options.clusterId}`,
    `--config=${options.properties}`,
    '--ignore-formatted',
  ];
  try {
    await execFileAsync(runtime.java, [...classpath(runtime), 'kafka.tools.StorageTool', ...format], {
      cwd: options.cwd,
      timeout: 60_000,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw infraErrors.infra_unavailable(
      { step: 'kafka storage format' },
      `formatting ${options.what} failed:\n${outputTail(err)}`,
      err,
    );
  }
}

/**
 * The arguments of `java` that run the broker of `properties`: a heap of `heapMb` (initial and maximum), G1 with
 * short pauses, an exit on OutOfMemoryError; `jvmOptions` go before the class path (e.g. `-XX:TieredStopAtLevel=1`).
 */
export function brokerArgs(
  runtime: BrokerRuntime,
  properties: string,
  heapMb: { readonly initial: number; readonly max: number },
  jvmOptions: readonly string[] = [],
): string[] {
  return [
    `-Xms${heapMb.initial}m`,
    `-Xmx${heapMb.max}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    ...jvmOptions,
    '-Djava.awt.headless=true',
    ...classpath(runtime),
    'kafka.Kafka',
    properties,
  ];
}

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

/** Runs `use` with a connected admin client of `kafka`, disconnected afterwards (a failed disconnect is not an error). */
export async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Waits until Kafka at `brokers` is ready: a kafkajs admin client connects and sees a broker, and the group and
 * transaction coordinators have loaded (the first FindCoordinator creates `__consumer_offsets`; the first idempotent
 * producer gets a producer id), so that the tests' first consumer group and producer do not meet "coordinator is
 * loading" retries.
 */
export async function waitForKafka(
  brokers: string[],
  timeoutMs: number,
  extra: { abort?: () => string | undefined; diagnostics?: () => string },
): Promise<void> {
  const kafka = probeClient('joinery-infra-probe', brokers);
  await waitFor(
    async () => {
      await withAdmin(kafka, async (admin) => {
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
        await admin.describeGroups(['joinery-infra-probe']);
      });
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
