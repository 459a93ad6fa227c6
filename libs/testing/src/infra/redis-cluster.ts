import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { spawnManaged, type ManagedProcess } from './managed-process.js';
import { redisServerArgs } from './redis.js';
import { ensureExecutable } from './system-packages.js';
import { waitFor } from './wait.js';

export interface RedisClusterOptions {
  /** Primaries; 3 unless set (Redis Cluster needs at least 3). */
  readonly primaries?: number;
  /** Replicas per primary; 1 unless set. */
  readonly replicasPerPrimary?: number;
  /** Address every node binds and announces; 127.0.0.1 unless set (a network-namespace host's address). */
  readonly host?: string;
  /** Runs each redis-server through this prefix (e.g. `['ip', 'netns', 'exec', 'ns1']`); none unless set. */
  readonly wrap?: readonly string[];
  /** `cluster-node-timeout` in ms: how long a primary may be unreachable before its replica takes over; 2000. */
  readonly nodeTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface RedisClusterNode {
  /** `host:port` */
  readonly address: string;
  readonly port: number;
  readonly process: ManagedProcess;
}

export interface StartedRedisCluster {
  /** Every node (primaries first as created; roles change on failover). */
  readonly nodes: readonly RedisClusterNode[];
  /** `REDIS_CLUSTER_NODES`: the nodes' `host:port`, comma-separated. */
  readonly env: { REDIS_CLUSTER_NODES: string };
  /** Stops every node (SIGTERM, SIGKILL after a bound) by PID and removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * A throw-away Redis Cluster of `redis-server` processes on free ports (cluster bus on a free port of its own, via
 * `cluster-port`): `redis-cli --cluster create` assigns the 16,384 slots to the primaries and a replica to each.
 * Resolves once every node reports `cluster_state:ok` and agrees on the slot map.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<StartedRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const binary = await ensureExecutable(
    { purpose: 'Redis Cluster', binary: 'redis-server', debianPackage: 'redis-server', otherwise: '' },
    log,
  );
  const cli = await ensureExecutable(
    { purpose: 'Redis Cluster', binary: 'redis-cli', debianPackage: 'redis-tools', otherwise: '' },
    log,
  );
  const root = mkdtempSync(join(tmpdir(), 'joinery-redis-cluster-'));
  const nodes: RedisClusterNode[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(nodes.map((n) => n.process.stop(3_000)));
      rmSync(root, { recursive: true, force: true });
    })());
  try {
    const count = primaries * (1 + replicas);
    for (let i = 0; i < count; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const dir = join(root, `node-${i}`);
      mkdirSync(dir);
      const args = [
        ...redisServerArgs(port, dir).map((a) => (a === '127.0.0.1' ? host : a)),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 2_000),
        '--cluster-announce-ip',
        host,
        // Replicas answer for their primaries' slots only when asked to (READONLY); a partial cluster still serves.
        '--cluster-require-full-coverage',
        'no',
        // Off the loopback (a host of a private test network) protected mode refuses every client of a cluster
        // without a password; later arguments win.
        ...(host === '127.0.0.1' ? [] : ['--protected-mode', 'no']),
      ];
      const wrap = options.wrap ?? [];
      const process = spawnManaged({
        command: wrap.length > 0 ? wrap[0]! : binary,
        args: wrap.length > 0 ? [...wrap.slice(1), binary, ...args] : args,
        cwd: dir,
        logFile: join(dir, 'redis.log'),
        defaultGraceMs: 3_000,
      });
      nodes.push({ address: `${host}:${port}`, port, process });
    }
    for (const node of nodes)
      await waitFor(() => ping(host, node.port), {
        what: `Redis Cluster node ${node.address}`,
        timeoutMs: 20_000,
        intervalMs: 100,
        abort: () => node.process.exited(),
        diagnostics: () => node.process.logTail(20),
      });
    const wrap = options.wrap ?? [];
    const createArgs = [
      '--cluster',
      'create',
      ...nodes.map((n) => n.address),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ];
    await run(
      wrap.length > 0 ? wrap[0]! : cli,
      [...wrap.slice(1), ...(wrap.length > 0 ? [cli] : []), ...createArgs],
      {
        timeout: 60_000,
      },
    );
    await waitFor(() => agreed(host, nodes, primaries), {
      what: 'Redis Cluster slot map',
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    log(
      `redis cluster: ${primaries} primaries + ${primaries * replicas} replicas on ${nodes.map((n) => n.address).join(',')}`,
    );
    return { nodes, env: { REDIS_CLUSTER_NODES: nodes.map((n) => n.address).join(',') }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function client(host: string, port: number): Redis {
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

async function ping(host: string, port: number): Promise<void> {
  const redis = client(host, port);
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Every node: `cluster_state:ok`, all slots assigned, and the expected number of primaries. */
async function agreed(host: string, nodes: readonly RedisClusterNode[], primaries: number): Promise<void> {
  for (const node of nodes) {
    const redis = client(host, node.port);
    try {
      await redis.connect();
      const info = String(await redis.call('CLUSTER', 'INFO'));
      if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384'))
        throw new Error(`${node.address}: cluster not ready`);
      const known = String(await redis.call('CLUSTER', 'NODES'))
        .trim()
        .split('\n');
      const masters = known.filter((line) => line.split(' ')[2]?.includes('master')).length;
      if (known.length !== nodes.length || masters !== primaries)
        throw new Error(`${node.address}: knows ${known.length} nodes, ${masters} primaries`);
    } finally {
      redis.disconnect();
    }
  }
}
