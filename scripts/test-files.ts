// What the test runners (scripts/test.ts, scripts/test-cluster.ts) share: finding the test files and the
// `node --test` command line that reports to the console and to scripts/count-reporter.mjs.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The files below `dir` whose names end with `suffix`, outside node_modules, dist, __fixtures__ and dot folders. */
export function findTestFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist' || name === '__fixtures__')
      continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTestFiles(path, suffix));
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** `node --test` arguments: spec output on stdout, counts in `countsDir/reporter.out` (read by addCounts). */
export function nodeTestArgs(
  root: string,
  countsDir: string,
  run: { readonly concurrency: number; readonly timeoutMs: number },
  files: readonly string[],
): string[] {
  return [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${run.concurrency}`,
    `--test-timeout=${run.timeoutMs}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/count-reporter.mjs')}`,
    `--test-reporter-destination=${join(countsDir, 'reporter.out')}`,
    ...files,
  ];
}
