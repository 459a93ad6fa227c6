// `joinery start` and embedded mode: one server per data directory, data folders only the owner can enter, the
// management API on loopback unless configured, and what the operator can fix said in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '@joinery/config';
import { loadConsoleConfig } from '@joinery/console';
import { JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { launcherConfigSchema } from './config.js';
import { startEmbedded } from './embedded.js';
import { runStart, startFailureLine } from './start.js';

const root = mkdtempSync(join(tmpdir(), 'joinery-start-'));
after(() => rmSync(root, { recursive: true, force: true }));

const envOf = (dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  JOINERY_DATA_DIR: dataDir,
  JOINERY_API_PORT: '0',
  JOINERY_BI_HOST: '127.0.0.1',
  JOINERY_BI_PORT: '0',
  JOINERY_CLAIMS_SCRYPT_LOG2N: '10',
  ...extra,
});

test('the management API binds to 127.0.0.1 unless JOINERY_API_HOST says otherwise', async () => {
  assert.equal(loadConfig(launcherConfigSchema, {}).apiHost, '127.0.0.1');
  assert.equal(loadConfig(launcherConfigSchema, { JOINERY_API_HOST: '0.0.0.0' }).apiHost, '0.0.0.0');
  // The console alone (distributed mode) too.
  assert.equal(loadConsoleConfig({}).apiHost, '127.0.0.1');
  const running = await startEmbedded(envOf(join(root, 'bind')), captureLogs().logger);
  try {
    const ok = await fetch(`http://127.0.0.1:${running.apiPort}/api/v1/health`);
    assert.equal(ok.status, 200);
  } finally {
    await running.stop();
  }
});

test('a second server on the same data directory is refused while the first runs; the lock goes with it', async () => {
  const dataDir = join(root, 'lock');
  const first = await startEmbedded(envOf(dataDir), captureLogs().logger);
  try {
    assert.equal(readFileSync(join(dataDir, 'joinery.lock'), 'utf8').split(' ')[0], String(process.pid));
    await assert.rejects(startEmbedded(envOf(dataDir), captureLogs().logger), (err: unknown) => {
      assert.ok(JoineryError.is(err, 'joinery:data_dir_in_use'));
      const line = startFailureLine(err);
      assert.ok(line !== undefined && !line.includes('\n'), line);
      assert.match(line, new RegExp(`PID ${process.pid}`));
      return true;
    });
  } finally {
    await first.stop();
  }
  assert.equal(existsSync(join(dataDir, 'joinery.lock')), false);
  const again = await startEmbedded(envOf(dataDir), captureLogs().logger);
  await again.stop();
});

test('a lock left by a server that is gone is taken over, with a warning', async () => {
  const dataDir = join(root, 'stale');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  writeFileSync(join(dataDir, 'joinery.lock'), `${gone.stdout} 0123456789abcdef\n`);
  const logs = captureLogs();
  const running = await startEmbedded(envOf(dataDir), logs.logger);
  try {
    assert.match(logs.text(), /took over the lock of a server that is gone/);
    assert.equal(readFileSync(join(dataDir, 'joinery.lock'), 'utf8').split(' ')[0], String(process.pid));
  } finally {
    await running.stop();
  }
});

test('data folders are created 0700; an existing one open to others is tightened, with a warning', async () => {
  const fresh = join(root, 'fresh', 'data');
  const running = await startEmbedded(envOf(fresh), captureLogs().logger);
  await running.stop();
  assert.equal(statSync(fresh).mode & 0o777, 0o700);
  for (const sub of ['claims', 'keys-state', 'keys-vault', 'billing'])
    assert.equal(statSync(join(fresh, sub)).mode & 0o777, 0o700, sub);

  const open = join(root, 'open');
  mkdirSync(open, { recursive: true });
  chmodSync(open, 0o755);
  const logs = captureLogs();
  const again = await startEmbedded(envOf(open), logs.logger);
  await again.stop();
  assert.equal(statSync(open).mode & 0o777, 0o700);
  assert.match(logs.text(), /tightened to 0700/);
});

async function start(env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await runStart(env, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

test('a bad log level is one readable line, not a stack trace; nothing starts', async () => {
  const dataDir = join(root, 'bad-level');
  const { code, stdout, stderr } = await start(envOf(dataDir, { JOINERY_LOG_LEVEL: 'loud' }));
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.equal(stderr.split('\n').filter(Boolean).length, 1, stderr);
  assert.match(stderr, /^joinery: invalid configuration .*JOINERY_LOG_LEVEL: must be one of trace, debug/);
  assert.equal(existsSync(dataDir), false);
});

test('a port in use is one readable line that names the setting', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const { port } = busy.address() as AddressInfo;
  try {
    const { code, stdout, stderr } = await start(
      envOf(join(root, 'busy'), { JOINERY_API_PORT: String(port), JOINERY_LOG_LEVEL: 'error' }),
    );
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr.split('\n').filter(Boolean).length, 1, stderr);
    assert.match(
      stderr,
      new RegExp(`^joinery: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use.*JOINERY_API_PORT`),
    );
    // What it had opened is closed again: the lock is gone, the data directory can be used at once.
    assert.equal(existsSync(join(root, 'busy', 'joinery.lock')), false);
  } finally {
    busy.close();
  }
});
