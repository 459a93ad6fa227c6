import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { brokerArgs, brokerRuntime, prepareBrokerStorage, waitForKafka } from './kafka-broker.js';
import { brokerSettings, randomClusterId } from './kafka-config.js';
import { spawnManaged } from './managed-process.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'joinery-host-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const broker = `${options.host}:${port}`;
  const properties = join(dir, 'server.properties');
  const runtime = await brokerRuntime(dir, log, process.env);
  await prepareBrokerStorage(runtime, {
    properties,
    settings: brokerSettings({
      advertised: broker,
      listener: broker,
      controller: `${options.host}:${controllerPort}`,
      logDir: join(dir, 'data'),
    }),
    writtenBy: 'libs/testing/src/infra/host-kafka.ts',
    clusterId: randomClusterId(),
    cwd: dir,
    what: `Kafka storage on ${options.host}`,
  });
  const wrap = options.wrap ?? [];
  const args = brokerArgs(runtime, properties, { initial: 256, max: 512 });
  const server = spawnManaged({
    command: wrap.length > 0 ? wrap[0]! : runtime.java,
    args: wrap.length > 0 ? [...wrap.slice(1), runtime.java, ...args] : args,
    cwd: dir,
    logFile: join(dir, 'broker.log'),
    tempDir: dir,
    defaultGraceMs: 10_000,
  });
  try {
    await waitForKafka([broker], 120_000, {
      abort: () => server.exited(),
      diagnostics: () => server.logTail(30),
    });
  } catch (err) {
    await server.stop(2_000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  log(`kafka: broker (pid ${server.pid}) on ${broker}`);
  return { brokers: broker, pid: server.pid, stop: () => server.stop() };
}
