// The management contract against the distributed services: five processes on real Redis, Kafka and SoftHSM2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startDistributedStack, type DistributedStack } from './distributed-stack.js';
import { managementContract } from './management-contract.js';

describe('distributed mode (Redis, Kafka, SoftHSM2)', () => {
  let stack: DistributedStack;
  before(async () => {
    stack = await startDistributedStack({ vault: 'pkcs11', redisDb: 7 });
  });
  after(async () => {
    await stack?.stop();
  });

  const run = managementContract(() => stack);

  test('npm run demo against the distributed services finishes with 0 failures', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      [
        'run',
        '--silent',
        'demo',
        '--',
        '--api-url',
        stack.apiUrl,
        '--bi-url',
        stack.biUrl.href,
        '--admin-token',
        stack.adminToken,
      ],
      {
        cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          npm_config_update_notifier: 'false',
        },
        timeout: 300_000,
      },
    );
    assert.match(stdout, /Joins +200 sent, 200 accepted, 0 failures/);
    assert.match(stdout, /Charges +100 \(20\.00 USD\), one per device/);
    assert.match(stdout, /Demo passed: 0 failures\./);
  });

  test('no key reached the log of any service', () => {
    const secrets = run.secrets();
    assert.ok(secrets.length >= 10);
    for (const [name, p] of Object.entries(stack.processes)) {
      const text = p.logTail(100_000).toUpperCase();
      assert.ok(text.length > 0, name);
      for (const secret of secrets) assert.ok(!text.includes(secret), `a key reached the ${name} log`);
    }
  });
});
