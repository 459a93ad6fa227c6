import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheRoot, ensureCached, isComplete, readStamp } from './jar-cache.js';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'joinery-cache-test-')), 'kafka-3.9.1');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

function counter() {
  const calls = { n: 0 };
  const fill = async (into: string) => {
    calls.n += 1;
    await sleep(20);
    writeFileSync(join(into, 'a.jar'), 'a');
    writeFileSync(join(into, 'b.jar'), 'b');
  };
  return { calls, fill };
}

test('the first run fills the cache and stamps it; the next reuses it without filling', async () => {
  const { calls, fill } = counter();
  const first = await ensureCached({ dir, contentName: 'libs', fingerprint: 'pom-1', fill });
  assert.deepEqual(first, { path: join(dir, 'libs'), filled: true });
  assert.deepEqual(readdirSync(join(dir, 'libs')).sort(), ['a.jar', 'b.jar']);
  assert.equal((await readStamp(dir))?.files, 2);
  const second = await ensureCached({ dir, contentName: 'libs', fingerprint: 'pom-1', fill });
  assert.deepEqual(second, { path: join(dir, 'libs'), filled: false });
  assert.equal(calls.n, 1);
  assert.deepEqual(readdirSync(dir).sort(), ['complete.json', 'libs']);
});

test('a changed fingerprint or missing content refills', async () => {
  const { calls, fill } = counter();
  await ensureCached({ dir, fingerprint: 'pom-1', fill });
  assert.equal((await ensureCached({ dir, fingerprint: 'pom-2', fill })).filled, true);
  rmSync(join(dir, 'content', 'a.jar'));
  assert.equal(await isComplete(dir, 'pom-2'), false);
  assert.equal((await ensureCached({ dir, fingerprint: 'pom-2', fill })).filled, true);
  assert.equal(calls.n, 3);
});

test('concurrent runs fill once and all get the content', async () => {
  const { calls, fill } = counter();
  const results = await Promise.all(
    Array.from({ length: 4 }, () => ensureCached({ dir, fingerprint: 'pom-1', fill })),
  );
  assert.equal(calls.n, 1);
  assert.deepEqual(results.map((r) => r.filled).sort(), [false, false, false, true]);
  assert.equal(await isComplete(dir, 'pom-1'), true);
});

test('a lock left by a dead process is taken over', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
  mkdirSync(join(dir, 'lock'), { recursive: true });
  writeFileSync(join(dir, 'lock', 'owner.json'), JSON.stringify({ pid: dead, host: hostname() }));
  const { calls, fill } = counter();
  const result = await ensureCached({ dir, fingerprint: 'pom-1', fill, lockTimeoutMs: 5_000 });
  assert.equal(result.filled, true);
  assert.equal(calls.n, 1);
});

test('a lock held by a live process makes the wait time out with testing:infra_timeout', async () => {
  mkdirSync(join(dir, 'lock'), { recursive: true });
  writeFileSync(join(dir, 'lock', 'owner.json'), JSON.stringify({ pid: process.ppid, host: hostname() }));
  const { calls, fill } = counter();
  await assert.rejects(ensureCached({ dir, fingerprint: 'pom-1', fill, lockTimeoutMs: 300 }), {
    code: 'testing:infra_timeout',
  });
  assert.equal(calls.n, 0);
});

test('a failed fill leaves neither a stamp, partial content nor the lock', async () => {
  await assert.rejects(
    ensureCached({
      dir,
      fingerprint: 'pom-1',
      fill: async (into) => {
        writeFileSync(join(into, 'half.jar'), 'x');
        throw new Error('network down');
      },
    }),
    /network down/,
  );
  assert.deepEqual(readdirSync(dir), []);
  const { calls, fill } = counter();
  assert.equal((await ensureCached({ dir, fingerprint: 'pom-1', fill })).filled, true);
  assert.equal(calls.n, 1);
  assert.equal(JSON.parse(readFileSync(join(dir, 'complete.json'), 'utf8')).fingerprint, 'pom-1');
});

test('the cache lives in JOINERY_CACHE_DIR, else XDG_CACHE_HOME/joinery, else ~/.cache/joinery', () => {
  assert.equal(cacheRoot({ JOINERY_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' }), '/c');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/x' }), '/x/joinery');
  assert.match(cacheRoot({}), /\/\.cache\/joinery$/);
});
