import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  consoleWebDistDir,
  consoleWebIsFresh,
  consoleWebSourceDir,
  consoleWebSourceHash,
  ensureConsoleWebBuilt,
  sourceHashFile,
} from './web-build.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-console-web-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the source hash changes with any source file and ignores the unit tests beside them', () => {
  const sources = join(dir, 'web');
  cpSync(consoleWebSourceDir, sources, { recursive: true });
  const before = consoleWebSourceHash(sources);
  assert.equal(consoleWebSourceHash(sources), before);
  writeFileSync(join(sources, 'src', 'lib', 'extra.test.ts'), 'export {};');
  assert.equal(consoleWebSourceHash(sources), before);
  writeFileSync(
    join(sources, 'index.html'),
    `${readFileSync(join(sources, 'index.html'), 'utf8')}<!-- changed -->`,
  );
  assert.notEqual(consoleWebSourceHash(sources), before);
});

test('a bundle is fresh only with index.html and the hash of the current sources', () => {
  const dist = join(dir, 'dist');
  assert.equal(consoleWebIsFresh(dist), false);
  mkdirSync(dist);
  writeFileSync(join(dist, sourceHashFile), `${consoleWebSourceHash()}\n`);
  assert.equal(consoleWebIsFresh(dist), false, 'no index.html');
  writeFileSync(join(dist, 'index.html'), '<!doctype html>');
  assert.equal(consoleWebIsFresh(dist), true);
  writeFileSync(join(dist, sourceHashFile), 'stale\n');
  assert.equal(consoleWebIsFresh(dist), false);
});

test('ensureConsoleWebBuilt builds the bundle once, even when asked twice at the same time', async () => {
  const lines: string[] = [];
  const results = await Promise.all([
    ensureConsoleWebBuilt({ log: (line) => lines.push(line) }),
    ensureConsoleWebBuilt({ log: (line) => lines.push(line) }),
  ]);
  assert.ok(results.filter(Boolean).length <= 1, `built ${results.filter(Boolean).length} times`);
  assert.equal(consoleWebIsFresh(), true);
  const index = readFileSync(join(consoleWebDistDir, 'index.html'), 'utf8');
  const scripts = [...index.matchAll(/src="\/assets\/([^"]+\.js)"/g)].map((m) => m[1] ?? '');
  assert.ok(scripts.length > 0, 'index.html names no script');
  for (const script of scripts) assert.ok(existsSync(join(consoleWebDistDir, 'assets', script)), script);
  assert.equal(await ensureConsoleWebBuilt(), false);
});
