import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as build from './index.js';
import { bundledLibrarySourceDirs } from './web-build.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-console-web-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the source hash changes with any source file and ignores the unit tests beside them', () => {
  const sources = join(dir, 'web');
  cpSync(build.consoleWebSourceDir, sources, { recursive: true });
  const before = build.consoleWebSourceHash(sources);
  assert.equal(build.consoleWebSourceHash(sources), before);
  writeFileSync(join(sources, 'src', 'lib', 'extra.test.ts'), 'export {};');
  assert.equal(build.consoleWebSourceHash(sources), before);
  writeFileSync(
    join(sources, 'index.html'),
    `${readFileSync(join(sources, 'index.html'), 'utf8')}<!-- changed -->`,
  );
  assert.notEqual(build.consoleWebSourceHash(sources), before);
});

test('the source hash covers the workspace libraries the bundle includes', () => {
  const libraries = bundledLibrarySourceDirs();
  assert.deepEqual(
    libraries.map((d) => d.split('/').slice(-3).join('/')),
    ['libs/product-config/src'],
  );
  assert.notEqual(build.consoleWebSourceHash(), build.consoleWebSourceHash(build.consoleWebSourceDir, []));
  const copy = join(dir, 'library');
  cpSync(libraries[0] ?? '', copy, { recursive: true });
  const before = build.consoleWebSourceHash(build.consoleWebSourceDir, [copy]);
  writeFileSync(join(copy, 'index.ts'), `${readFileSync(join(copy, 'index.ts'), 'utf8')}// changed\n`);
  assert.notEqual(build.consoleWebSourceHash(build.consoleWebSourceDir, [copy]), before);
});

test('a bundle is fresh only with index.html and the hash of the current sources', () => {
  const dist = join(dir, 'dist');
  assert.equal(build.consoleWebIsFresh(dist), false);
  mkdirSync(dist);
  writeFileSync(join(dist, build.sourceHashFile), `${build.consoleWebSourceHash()}\n`);
  assert.equal(build.consoleWebIsFresh(dist), false, 'no index.html');
  writeFileSync(join(dist, 'index.html'), '<!doctype html>');
  assert.equal(build.consoleWebIsFresh(dist), true);
  writeFileSync(join(dist, build.sourceHashFile), 'stale\n');
  assert.equal(build.consoleWebIsFresh(dist), false);
});

test('ensureConsoleWebBuilt builds the bundle once, even when asked twice at the same time', async () => {
  const lines: string[] = [];
  const results = await Promise.all([
    build.ensureConsoleWebBuilt({ log: (line) => lines.push(line) }),
    build.ensureConsoleWebBuilt({ log: (line) => lines.push(line) }),
  ]);
  assert.ok(results.filter(Boolean).length <= 1, `built ${results.filter(Boolean).length} times`);
  assert.equal(build.consoleWebIsFresh(), true);
  const index = readFileSync(join(build.consoleWebDistDir, 'index.html'), 'utf8');
  const scripts = [...index.matchAll(/src="\/assets\/([^"]+\.js)"/g)].map((m) => m[1] ?? '');
  assert.ok(scripts.length > 0, 'index.html names no script');
  for (const script of scripts)
    assert.ok(existsSync(join(build.consoleWebDistDir, 'assets', script)), script);
  assert.equal(await build.ensureConsoleWebBuilt(), false);
});
