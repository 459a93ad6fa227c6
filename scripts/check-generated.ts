// Fails when libs/proto/src/gen is not what `buf generate` makes from proto/ now, the web console's API types
// are not what scripts/console-web-api.ts makes from the OpenAPI document now, or docs/errors.md is not what
// scripts/error-catalogue.ts makes from the error registry now.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { consoleWebSchemaStaleness } from './console-web-api.js';
import { errorCatalogueStaleness } from './error-catalogue.js';

const root = new URL('..', import.meta.url).pathname;
const committed = join(root, 'libs/proto/src/gen');

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

const out = mkdtempSync(join(tmpdir(), 'joinery-gen-'));
try {
  const env = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` };
  const lint = spawnSync('buf', ['lint', 'proto'], { cwd: root, env, encoding: 'utf8' });
  if (lint.status !== 0) {
    console.error(`buf lint failed:\n${lint.stdout}${lint.stderr}`);
    process.exit(1);
  }
  const gen = spawnSync('buf', ['generate', '-o', out], { cwd: root, env, encoding: 'utf8' });
  if (gen.status !== 0) {
    console.error(`buf generate failed:\n${gen.stdout}${gen.stderr}`);
    process.exit(1);
  }
  const fresh = join(out, 'libs/proto/src/gen');
  const want = new Map(listFiles(fresh).map((f) => [relative(fresh, f), readFileSync(f, 'utf8')]));
  const have = new Map(listFiles(committed).map((f) => [relative(committed, f), readFileSync(f, 'utf8')]));
  const stale = [
    ...[...want]
      .filter(([name, text]) => have.get(name) !== text)
      .map(([name]) => `changed or missing: ${name}`),
    ...[...have.keys()].filter((name) => !want.has(name)).map((name) => `no longer generated: ${name}`),
  ];
  if (stale.length > 0) {
    console.error(
      `libs/proto/src/gen is stale; run \`npm run proto:generate\` and commit:\n  ${stale.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`generated code is up to date (${want.size} files)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

// The web console's API types, generated from the console's OpenAPI document (scripts/console-web-api.ts).
const consoleWebStale = await consoleWebSchemaStaleness();
if (consoleWebStale !== '') {
  console.error(consoleWebStale);
  process.exit(1);
}
console.log('the web console API types are up to date');

// The error catalogue, generated from the error registry (scripts/error-catalogue.ts).
const errorCatalogueStale = await errorCatalogueStaleness();
if (errorCatalogueStale !== '') {
  console.error(errorCatalogueStale);
  process.exit(1);
}
console.log('docs/errors.md is up to date');
