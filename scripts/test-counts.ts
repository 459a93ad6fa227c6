// The counts scripts/count-reporter.mjs writes for one `node --test` run, shared by the test runners.
import { readFileSync } from 'node:fs';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

/** Adds the counts of one run to `into`; a run that wrote none (it crashed) counts as one failure. */
export function addCounts(into: TestCounts, countsFile: string): void {
  try {
    const counts = JSON.parse(readFileSync(countsFile, 'utf8')) as {
      passed: number;
      failed: number;
      skipped: number;
      todo: number;
      failures: string[];
    };
    into.passed += counts.passed;
    into.failed += counts.failed;
    into.skipped += counts.skipped + counts.todo;
    into.failures.push(...counts.failures);
  } catch {
    into.failed += 1;
    into.failures.push('the test runner ended without reporting its results');
  }
}

/** A failure outside any test (infrastructure that did not start), counted and printed. */
export function countFailure(into: TestCounts, what: string, err: unknown): void {
  into.failed += 1;
  into.failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  console.error(err);
}
