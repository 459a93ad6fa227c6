// `npm run demo` in embedded mode: 100 simulated devices (LoRaWAN 1.0.3, 1.0.4, 1.1) joined twice each by two
// simulated network servers over mTLS; it must finish with 0 failures and one charge per device.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

test('npm run demo finishes with 0 failures in embedded mode', async () => {
  const { stdout } = await run('npm', ['run', '--silent', 'demo'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false' },
    timeout: 300_000,
  });
  assert.match(stdout, /Joins +200 sent, 200 accepted, 0 failures/);
  assert.match(stdout, /Charges +100 \(20\.00 USD\), one per device/);
  assert.match(stdout, /Demo passed: 0 failures\./);
});
