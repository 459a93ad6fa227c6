// `npm test`: checks (typecheck, lint, generated code, Prettier format), then every test file under node:test with real Redis, Kafka
// and SoftHSM2 started once for the whole run by libs/testing/infra. Ends with one line: `N passed, N failed`.
//
//   npm test                         everything
//   npm test -- --no-checks          skip typecheck/lint/generated-code checks
//   npm test -- --no-infra           unit tests only (files named *.int.test.ts and test/e2e are left out)
//   npm test -- libs/lorawan         only test files under these paths (checks skipped unless --checks)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { addCounts, countFailure, type TestCounts } from './test-counts.js';
import { exitOnInterrupt } from './interrupt.js';
import { findTestFiles, nodeTestArgs } from './test-files.js';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startInfra, type Infra } from '@joinery/testing/infra';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const paths = args.filter((a) => !a.startsWith('--'));
const runChecks = args.includes('--checks') || (!args.includes('--no-checks') && paths.length === 0);
const withInfra = !args.includes('--no-infra');

const binPath = `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`;

let current: ChildProcess | undefined;

function run(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, {
      cwd: root,
      env: { ...env, PATH: binPath, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'inherit',
    });
    current = child;
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(127));
  });
}

/** test/e2e/src/deploy checks files with helm, kubeconform and compose-go only: no Redis, Kafka or HSM. */
const isDeployCheck = (file: string) => relative(root, file).startsWith('test/e2e/src/deploy/');
const needsInfra = (file: string) =>
  file.endsWith('.int.test.ts') || (relative(root, file).startsWith('test/e2e/') && !isDeployCheck(file));

const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };

if (runChecks) {
  const checks: [string, string, string[]][] = [
    ['typecheck', 'tsc', ['-b', 'tsconfig.json']],
    // The Nx project graph must exist before ESLint's module-boundary rule can see project tags.
    ['lint', 'sh', ['-c', 'nx show projects > /dev/null && eslint --max-warnings=0 .']],
    ['generated code', process.execPath, ['--import', 'tsx', 'scripts/check-generated.ts']],
    ['format', 'prettier', ['--check', '--log-level=warn', '.']],
  ];
  for (const [name, cmd, cmdArgs] of checks) {
    console.log(`\n▶ ${name}`);
    const code = await run(cmd, cmdArgs);
    if (code === 0) {
      counts.passed += 1;
      console.log(`✔ ${name}`);
    } else {
      counts.failed += 1;
      counts.failures.push(`check: ${name}`);
      console.log(`✖ ${name} (exit ${code})`);
    }
  }
}

const roots =
  paths.length > 0
    ? paths.map((p) => join(root, p))
    : [
        join(root, 'libs'),
        join(root, 'services'),
        join(root, 'test'),
        join(root, 'scripts'),
        join(root, 'bench'),
      ];
// *.cluster-test.ts files are the multi-process suites of `npm run test:cluster` (scripts/test-cluster.ts).
let files = roots.flatMap((p) => (statSync(p).isDirectory() ? findTestFiles(p, '.test.ts') : [p])).sort();
if (!withInfra) files = files.filter((f) => !needsInfra(f));

let infra: Infra | undefined;
const countsDir = mkdtempSync(join(tmpdir(), 'joinery-test-'));
const countsFile = join(countsDir, 'counts.json');

// Interrupted: stop the running check or test runner and the infrastructure, then exit.
exitOnInterrupt(
  () => current,
  () =>
    (infra?.stop() ?? Promise.resolve()).finally(() => rmSync(countsDir, { recursive: true, force: true })),
);
try {
  let env: NodeJS.ProcessEnv = { ...process.env, JOINERY_TEST_COUNTS_FILE: countsFile };
  if (withInfra && files.some(needsInfra)) {
    console.log('\n▶ starting test infrastructure (Redis, Kafka, SoftHSM2)');
    infra = await startInfra({ log: (line) => console.log(`  ${line}`) });
    env = { ...env, ...infra.env };
  }
  // The deploy checks' tools (Go builds of helm, kubeconform, compose-check; the Kubernetes schemas), cached: a cold
  // install takes longer than one test file may run.
  if (files.some(isDeployCheck)) {
    console.log('\n▶ deploy check tools (helm, kubeconform, Kubernetes schemas, compose-check)');
    const t0 = Date.now();
    try {
      const { prepareDeployTools } = await import('../test/e2e/src/deploy/kubernetes-tools.js');
      await prepareDeployTools((line) => console.log(`  ${line}`));
      console.log(`  ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      counts.failed += 1;
      counts.failures.push(`deploy check tools: ${err instanceof Error ? err.message : String(err)}`);
      console.error(err);
    }
  }
  console.log(`\n▶ ${files.length} test files`);
  if (files.length > 0) {
    await run(
      process.execPath,
      nodeTestArgs(root, countsDir, { concurrency: 3, timeoutMs: 300_000 }, files),
      env,
    );
    addCounts(counts, countsFile);
  }
} catch (err) {
  countFailure(counts, 'test infrastructure', err);
} finally {
  if (infra) await infra.stop();
  rmSync(countsDir, { recursive: true, force: true });
}

if (counts.failures.length > 0) console.log(`\nFailed:\n  ${counts.failures.join('\n  ')}`);
console.log(
  `\n${counts.passed} passed, ${counts.failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`,
);
process.exit(counts.failed > 0 ? 1 : 0);
