// `npm run test:cluster`: the cluster suites (files named *.cluster-test.ts), which `npm test` leaves out. Starts the
// usual infrastructure (Redis, Kafka, SoftHSM2: libs/testing/infra) plus a 6-node Redis Cluster (3 primaries, 3
// replicas), passes REDIS_CLUSTER_URL / REDIS_CLUSTER_NODES to every suite, stops everything afterwards. Ends with one
// line: `N passed, N failed`. .ci/run calls it after `npm test`.
//
//   npm run test:cluster                      every cluster suite
//   npm run test:cluster -- services/keys     only those under these paths
//
// To add infrastructure for new suites, add an entry to `clusterInfra` below.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { addCounts, countFailure, type TestCounts } from './test-counts.js';
import { exitOnInterrupt } from './interrupt.js';
import { findTestFiles, nodeTestArgs } from './test-files.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisClusterUrl } from '@joinery/store';
import { startInfra, startRedisCluster } from '@joinery/testing/infra';

const root = new URL('..', import.meta.url).pathname;
const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const log = (line: string) => console.log(`  ${line}`);

interface Started {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Infrastructure the cluster suites get, started in order, stopped in reverse. Append new entries. */
const clusterInfra: { name: string; start(): Promise<Started> }[] = [
  { name: 'Redis, Kafka, SoftHSM2', start: () => startInfra({ log }) },
  {
    name: 'Redis Cluster (3 primaries, 3 replicas)',
    start: async () => {
      const cluster = await startRedisCluster({ log });
      const nodes = cluster.env.REDIS_CLUSTER_NODES;
      return {
        env: { REDIS_CLUSTER_NODES: nodes, REDIS_CLUSTER_URL: redisClusterUrl(nodes.split(',')) },
        stop: () => cluster.stop(),
      };
    },
  },
];

const roots =
  paths.length > 0 ? paths.map((p) => join(root, p)) : ['libs', 'services', 'test'].map((d) => join(root, d));
const files = roots
  .flatMap((p) => (statSync(p).isDirectory() ? findTestFiles(p, '.cluster-test.ts') : [p]))
  .sort();

const started: Started[] = [];
let current: ChildProcess | undefined;
const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
const countsDir = mkdtempSync(join(tmpdir(), 'joinery-test-cluster-'));
const countsFile = join(countsDir, 'counts.json');
const stopAll = async () => {
  for (const s of started.splice(0).reverse()) await s.stop().catch((err: unknown) => console.error(err));
};
exitOnInterrupt(
  () => current,
  () => stopAll().finally(() => rmSync(countsDir, { recursive: true, force: true })),
);

const startedAt = Date.now();
try {
  let env: NodeJS.ProcessEnv = { ...process.env, JOINERY_TEST_COUNTS_FILE: countsFile };
  for (const infra of clusterInfra) {
    console.log(`\n▶ starting ${infra.name}`);
    const s = await infra.start();
    started.push(s);
    env = { ...env, ...s.env };
  }
  console.log(`\n▶ ${files.length} cluster suites`);
  if (files.length > 0) {
    // One suite at a time: they start many processes each, and the machine has two cores.
    await new Promise<void>((resolve) => {
      current = spawn(
        process.execPath,
        nodeTestArgs(root, countsDir, { concurrency: 1, timeoutMs: 1_200_000 }, files),
        { cwd: root, env, stdio: 'inherit' },
      );
      current.on('exit', () => resolve());
      current.on('error', () => resolve());
    });
    addCounts(counts, countsFile);
  }
} catch (err) {
  countFailure(counts, 'cluster infrastructure', err);
} finally {
  await stopAll();
  rmSync(countsDir, { recursive: true, force: true });
}

if (counts.failures.length > 0) console.log(`\nFailed:\n  ${counts.failures.join('\n  ')}`);
console.log(`\ntest:cluster took ${Math.round((Date.now() - startedAt) / 1000)} s`);
console.log(
  `\n${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`,
);
process.exit(counts.failed > 0 ? 1 : 0);
