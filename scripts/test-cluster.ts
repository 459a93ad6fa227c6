// `npm run test:cluster`: the heavy multi-process suites (Kafka cluster broker kill, Redis Cluster, service
// replicas, network faults), run after `npm test` by .ci/run. Each suite starts the clusters it needs itself
// (libs/testing/infra), so this runner starts no shared infrastructure; suites run one at a time on CI's two cores.
//
//   npm run test:cluster                       every *.cluster.test.ts file
//   npm run test:cluster -- test/cluster/x     only the files under these paths
//
// Suites are files named *.cluster.test.ts anywhere under libs/, services/, test/; `npm test` leaves them out.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function findSuites(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findSuites(path));
    else if (name.endsWith('.cluster.test.ts')) out.push(path);
  }
  return out;
}

const roots =
  paths.length > 0 ? paths.map((p) => join(root, p)) : ['libs', 'services', 'test'].map((d) => join(root, d));
const files = roots.flatMap((p) => (statSync(p).isDirectory() ? findSuites(p) : [p])).sort();
const countsDir = mkdtempSync(join(tmpdir(), 'joinery-test-cluster-'));
const countsFile = join(countsDir, 'counts.json');

console.log(`\n▶ ${files.length} cluster suites`);
let failed = 0;
let passed = 0;
const failures: string[] = [];
try {
  if (files.length > 0) {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-concurrency=1',
          '--test-timeout=1200000',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          `--test-reporter=${join(root, 'scripts/count-reporter.mjs')}`,
          `--test-reporter-destination=${join(countsDir, 'reporter.out')}`,
          ...files,
        ],
        { cwd: root, stdio: 'inherit', env: { ...process.env, JOINERY_TEST_COUNTS_FILE: countsFile } },
      );
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
      child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
      child.once('error', () => resolve(127));
    });
    try {
      const counts = JSON.parse(readFileSync(countsFile, 'utf8')) as {
        passed: number;
        failed: number;
        failures: string[];
      };
      passed = counts.passed;
      failed = counts.failed;
      failures.push(...counts.failures);
    } catch {
      failed += 1;
      failures.push(`the test runner ended (exit ${code}) without reporting its results`);
    }
  }
} finally {
  rmSync(countsDir, { recursive: true, force: true });
}
if (failures.length > 0) console.log(`\nFailed:\n  ${failures.join('\n  ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
