import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerHostAddress } from './docker.js';
import { freePort } from './free-port.js';
import { brokerArgs, brokerRuntime, prepareBrokerStorage, waitForKafka } from './kafka-broker.js';
import { brokerSettings, containerEnv, kafkaImage, kafkaVersion, randomClusterId } from './kafka-config.js';
import { spawnManaged } from './managed-process.js';
import { nothingToStop, type StartContext, type Started } from './started.js';

const readyTimeoutMs = 120_000;

/** Kafka from KAFKA_BROKERS, else a container when Docker answers, else a local KRaft broker on Java. */
export async function startKafka(ctx: StartContext): Promise<Started> {
  const given = ctx.env.KAFKA_BROKERS;
  if (given) {
    await waitForKafka(given.split(','), 30_000, {});
    ctx.log(`kafka: using KAFKA_BROKERS ${given}`);
    return { env: { KAFKA_BROKERS: given }, stop: nothingToStop };
  }
  if (await ctx.docker()) return startKafkaContainer(ctx);
  return startKafkaLocal(ctx);
}

async function startKafkaLocal(ctx: StartContext): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-kafka-'));
  const [brokerPort, controllerPort] = [await freePort(), await freePort()];
  const broker = `127.0.0.1:${brokerPort}`;
  const serverProperties = join(dir, 'server.properties');
  const prepare = async () => {
    const runtime = await brokerRuntime(dir, ctx.log, ctx.env);
    await prepareBrokerStorage(runtime, {
      properties: serverProperties,
      settings: brokerSettings({
        advertised: broker,
        listener: broker,
        controller: `127.0.0.1:${controllerPort}`,
        logDir: join(dir, 'data'),
      }),
      writtenBy: 'libs/testing/src/infra/kafka.ts',
      clusterId: randomClusterId(),
      cwd: dir,
      what: 'Kafka storage',
    });
    return runtime;
  };
  const runtime = await prepare().catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const server = spawnManaged({
    command: runtime.java,
    args: brokerArgs(runtime, serverProperties, { initial: 256, max: 512 }),
    cwd: dir,
    logFile: join(dir, 'broker.log'),
    tempDir: dir,
    defaultGraceMs: 15_000,
  });
  try {
    await waitForKafka([broker], readyTimeoutMs, {
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
  await waitForKafka([broker], readyTimeoutMs, {});
  ctx.log(`kafka: container ${kafkaImage} at ${broker}`);
  return {
    env: { KAFKA_BROKERS: broker },
    stop: async () => {
      await container.stop();
    },
  };
}
