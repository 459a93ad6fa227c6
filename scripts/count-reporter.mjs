// A node:test reporter that counts leaf results and writes them as JSON, for the one summary line of `npm test`.
import { writeFileSync } from 'node:fs';

export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, failures: [] };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    if (data.details?.type === 'suite') continue;
    if (data.skip) counts.skipped += 1;
    else if (data.todo) counts.todo += 1;
    else if (event.type === 'test:pass') counts.passed += 1;
    else {
      counts.failed += 1;
      counts.failures.push(`${data.file ?? ''} › ${data.name}`);
    }
  }
  writeFileSync(process.env.JOINERY_TEST_COUNTS_FILE ?? 'test-counts.json', JSON.stringify(counts));
  yield '';
}
