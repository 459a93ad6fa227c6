import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ITopicConfig } from 'kafkajs';
import { freePort } from './free-port.js';
import { brokerArgs, brokerRuntime, prepareBrokerStorage, probeClient, withAdmin } from './kafka-broker.js';
import { brokerSettings, kafkaVersion, randomClusterId } from './kafka-config.js';
import { removeOnCrash, spawnManaged, type ManagedProcess } from './managed-process.js';
import { waitFor } from './wait.js';

/** The event topics of proto/joinery/events/v1/events.proto, as a cluster deployment creates them. */
export const eventTopics = ['joinery.joins.v1', 'joinery.devices.v1', 'joinery.billing.v1'] as const;

export interface KafkaClusterOptions {
  /** Brokers, each also a KRaft controller (a quorum of all of them); 3 unless set. */
  readonly nodes?: number;
  /** Topics created with `replicationFactor` and `minInsyncReplicas` before the cluster is handed out. */
  readonly topics?: readonly string[];
  readonly partitions?: number;
  /** 3 (every broker) unless set. */
  readonly replicationFactor?: number;
  /** 2 unless set: with acks=all a write is acknowledged once two replicas have it. */
  readonly minInsyncReplicas?: number;
  readonly log?: (line: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface KafkaClusterNode {
  readonly nodeId: number;
  /** `127.0.0.1:port` of its PLAINTEXT listener. */
  readonly address: string;
  /** The broker's JVM while it runs (undefined after `kill` until `restart`). */
  readonly process: ManagedProcess | undefined;
}

export interface KafkaCluster {
  /** Comma-separated bootstrap list of every broker (what KAFKA_BROKERS / JOINERY_KAFKA_BROKERS take). */
  readonly brokers: string;
  readonly nodes: readonly KafkaClusterNode[];
  /** SIGKILLs the broker (by pid) and waits until it is gone; its data directory is kept. */
  kill(nodeId: number): Promise<void>;
  /** Starts a killed broker again on its data directory and waits until the cluster sees all nodes. */
  restart(nodeId: number): Promise<void>;
  /** Creates topics (kafkajs `ITopicConfig`) and waits until each partition has a leader. */
  createTopics(topics: readonly ITopicConfig[]): Promise<void>;
  /** Waits until every partition of `topics` has all its replicas in sync again. */
  waitInSync(topics: readonly string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Settings of node `nodeId` of a KRaft cluster whose nodes are all broker+controller: the quorum of every
 * controller, internal topics replicated to three brokers with two in sync, topics created by default with
 * `replicationFactor` replicas and `minInsyncReplicas`, and no unclean leader election (a lagging replica never
 * becomes leader and drops acknowledged writes).
 */
export function clusterBrokerSettings(params: {
  nodeId: number;
  listener: string;
  voters: readonly { nodeId: number; controller: string }[];
  logDir: string;
  replicationFactor: number;
  minInsyncReplicas: number;
}): Record<string, string> {
  const self = params.voters.find((v) => v.nodeId === params.nodeId);
  if (self === undefined) throw new Error(`node ${params.nodeId} is not among the voters`);
  const rf = String(params.replicationFactor);
  const isr = String(params.minInsyncReplicas);
  return {
    ...brokerSettings({
      advertised: params.listener,
      listener: params.listener,
      controller: self.controller,
      logDir: params.logDir,
    }),
    'node.id': String(params.nodeId),
    'controller.quorum.voters': params.voters.map((v) => `${v.nodeId}@${v.controller}`).join(','),
    'default.replication.factor': rf,
    'min.insync.replicas': isr,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': isr,
    'unclean.leader.election.enable': 'false',
    // A killed broker's partitions move to the others at once; when it is back it takes its leaderships again.
    'auto.leader.rebalance.enable': 'true',
    'leader.imbalance.check.interval.seconds': '5',
    'num.network.threads': '2',
    'num.io.threads': '2',
    'num.replica.fetchers': '1',
    'replica.lag.time.max.ms': '10000',
  };
}

/** Three (or `nodes`) local KRaft brokers on Java, from the cached broker jars, on free ports. */
export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const count = options.nodes ?? 3;
  const replicationFactor = options.replicationFactor ?? Math.min(3, count);
  const minInsyncReplicas = options.minInsyncReplicas ?? Math.min(2, replicationFactor);
  const dir = mkdtempSync(join(tmpdir(), 'joinery-kafka-cluster-'));
  const releaseDir = removeOnCrash(dir);
  const runtime = await brokerRuntime(dir, log, env).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    releaseDir();
    throw err;
  });
  const specs: { nodeId: number; address: string; controller: string; dir: string }[] = [];
  for (let nodeId = 1; nodeId <= count; nodeId += 1)
    specs.push({
      nodeId,
      address: `127.0.0.1:${await freePort()}`,
      controller: `127.0.0.1:${await freePort()}`,
      dir: join(dir, `node-${nodeId}`),
    });
  const voters = specs.map(({ nodeId, controller }) => ({ nodeId, controller }));
  const clusterId = randomClusterId();
  const running = new Map<number, ManagedProcess>();
  const start = (spec: (typeof specs)[number]) => {
    const p = spawnManaged({
      command: runtime.java,
      // A smaller heap and the C1 compiler only: three brokers share the test machine.
      args: brokerArgs(runtime, join(spec.dir, 'server.properties'), { initial: 128, max: 384 }, [
        '-XX:TieredStopAtLevel=1',
      ]),
      cwd: spec.dir,
      logFile: join(spec.dir, 'broker.log'),
      defaultGraceMs: 15_000,
    });
    running.set(spec.nodeId, p);
    return p;
  };
  const kafka = probeClient(
    'joinery-infra-cluster',
    specs.map((s) => s.address),
  );
  const diagnostics = () =>
    specs
      .map((s) => `broker ${s.nodeId} log (tail):\n${running.get(s.nodeId)?.logTail(15) ?? '(not running)'}`)
      .join('\n');
  const exitedOne = () => {
    for (const [nodeId, p] of running) {
      const why = p.exited();
      if (why !== undefined) return `Kafka broker ${nodeId} ${why}`;
    }
    return undefined;
  };
  const allRegistered = () =>
    withAdmin(kafka, async (admin) => {
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length < count)
        throw new Error(`${cluster.brokers.length} of ${count} brokers registered`);
    });

  /**
   * Creates topics and waits until every partition has a leader on every broker's metadata (kafkajs's own wait gives
   * up on the first UNKNOWN_TOPIC_OR_PARTITION of a broker the new topic has not reached yet).
   */
  const createTopics = async (specs: readonly ITopicConfig[]) => {
    await withAdmin(kafka, (admin) =>
      admin.createTopics({ waitForLeaders: false, timeout: 30_000, topics: [...specs] }),
    );
    const names = specs.map((t) => t.topic);
    await waitFor(
      () =>
        withAdmin(kafka, async (admin) => {
          const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
          for (const t of meta)
            for (const p of t.partitions)
              if (p.leader < 0) throw new Error(`${t.name}/${p.partitionId} has no leader yet`);
        }),
      {
        what: `leaders of ${names.join(',')}`,
        timeoutMs: 60_000,
        intervalMs: 250,
        abort: exitedOne,
        diagnostics,
      },
    );
  };

  const stop = async () => {
    await Promise.all([...running.values()].map((p) => p.stop().catch(() => undefined)));
    running.clear();
    rmSync(dir, { recursive: true, force: true });
    releaseDir();
  };

  try {
    for (const spec of specs) {
      mkdirSync(spec.dir);
      await prepareBrokerStorage(runtime, {
        properties: join(spec.dir, 'server.properties'),
        settings: clusterBrokerSettings({
          nodeId: spec.nodeId,
          listener: spec.address,
          voters,
          logDir: join(spec.dir, 'data'),
          replicationFactor,
          minInsyncReplicas,
        }),
        writtenBy: 'libs/testing/src/infra/kafka-cluster.ts',
        clusterId,
        cwd: spec.dir,
        what: `Kafka storage of node ${spec.nodeId}`,
      });
    }
    for (const spec of specs) start(spec);
    await waitFor(allRegistered, {
      what: `${count} Kafka brokers`,
      timeoutMs: 180_000,
      intervalMs: 500,
      abort: exitedOne,
      diagnostics,
    });
    const topics = options.topics ?? eventTopics;
    if (topics.length > 0)
      await createTopics(
        topics.map((topic) => ({
          topic,
          numPartitions: options.partitions ?? 6,
          replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
        })),
      );
  } catch (err) {
    await stop();
    throw err;
  }
  log(
    `kafka cluster: ${count} Kafka ${kafkaVersion} KRaft brokers on ${specs.map((s) => s.address).join(',')} ` +
      `(replication factor ${replicationFactor}, min.insync.replicas ${minInsyncReplicas})`,
  );

  const specOf = (nodeId: number) => {
    const spec = specs.find((s) => s.nodeId === nodeId);
    if (spec === undefined) throw new Error(`no Kafka node ${nodeId}`);
    return spec;
  };
  return {
    brokers: specs.map((s) => s.address).join(','),
    get nodes() {
      return specs.map((s) => ({ nodeId: s.nodeId, address: s.address, process: running.get(s.nodeId) }));
    },
    async kill(nodeId) {
      const p = running.get(specOf(nodeId).nodeId);
      if (p === undefined) return;
      process.kill(p.pid, 'SIGKILL');
      await p.stop(0);
      running.delete(nodeId);
    },
    async restart(nodeId) {
      const spec = specOf(nodeId);
      if (running.has(nodeId)) throw new Error(`Kafka node ${nodeId} is running`);
      start(spec);
      // Asked directly: a killed broker stays in the cluster's metadata until its session times out.
      const direct = probeClient('joinery-infra-cluster', [spec.address]);
      await waitFor(
        () =>
          withAdmin(direct, async (admin) => {
            const cluster = await admin.describeCluster();
            if (!cluster.brokers.some((b) => b.nodeId === nodeId))
              throw new Error(`node ${nodeId} not registered`);
          }),
        {
          what: `Kafka broker ${nodeId} back in the cluster`,
          timeoutMs: 180_000,
          intervalMs: 500,
          abort: exitedOne,
          diagnostics,
        },
      );
    },
    createTopics,
    async waitInSync(topics, timeoutMs = 120_000) {
      await waitFor(
        () =>
          withAdmin(kafka, async (admin) => {
            const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] });
            for (const t of meta)
              for (const p of t.partitions)
                if (p.isr.length < p.replicas.length)
                  throw new Error(
                    `${t.name}/${p.partitionId}: ${p.isr.length} of ${p.replicas.length} in sync`,
                  );
          }),
        {
          what: `replicas of ${topics.join(',')} in sync`,
          timeoutMs,
          intervalMs: 500,
          abort: exitedOne,
          diagnostics,
        },
      );
    },
    stop,
  };
}
