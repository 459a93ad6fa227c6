import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnManaged, tail } from './managed-process.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
}

test('stop() ends a server with SIGTERM and removes its temp dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-proc-test-'));
  const server = spawnManaged({
    command: process.execPath,
    args: ['-e', 'console.log("line 1"); console.log("line 2"); setInterval(() => {}, 1000)'],
    cwd: dir,
    logFile: join(dir, 'server.log'),
    tempDir: dir,
  });
  await until(() => server.logTail().includes('line 2'));
  assert.equal(server.logTail(1), 'line 2');
  assert.equal(server.exited(), undefined);
  await server.stop();
  assert.equal(server.exited(), 'killed by SIGTERM');
  assert.equal(alive(server.pid), false);
  assert.equal(existsSync(dir), false);
});

test('a server that ignores SIGTERM is killed after the grace period', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-proc-test-'));
  try {
    const server = spawnManaged({
      command: process.execPath,
      args: [
        '-e',
        'process.on("SIGTERM", () => console.log("ignoring")); console.log("up"); setInterval(() => {}, 1000)',
      ],
      cwd: dir,
      logFile: join(dir, 'server.log'),
    });
    await until(() => server.logTail().includes('up'));
    await server.stop(200);
    assert.equal(server.exited(), 'killed by SIGKILL');
    assert.match(server.logTail(), /ignoring/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server that exits by itself reports why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-proc-test-'));
  try {
    const server = spawnManaged({
      command: process.execPath,
      args: ['-e', 'console.error("bind: address in use"); process.exit(3)'],
      cwd: dir,
      logFile: join(dir, 'server.log'),
    });
    await until(() => server.exited() !== undefined);
    assert.equal(server.exited(), 'exited with code 3');
    assert.equal(tail(server.logFile, 5), 'bind: address in use');
    await server.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
