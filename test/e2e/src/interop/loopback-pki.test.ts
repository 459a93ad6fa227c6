// The Go stand-ins' loopback PKI (test/e2e/interop/loopbackpki, shared by the ChirpStack v3 interop client and
// bench/peer): its own Go tests, run here so that `npm test` runs them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const source = resolve(import.meta.dirname, '../../interop/loopbackpki');
/** Go where this machine kind installs it, when it is not on PATH. */
const goTool = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((p) => existsSync(p)) ?? 'go';

test('the loopback PKI issues server and client certificates that verify only for their use, written 0600', async () => {
  const { stdout } = await run(goTool, ['test', '-mod=readonly', '-count=1', '-v', '.'], { cwd: source });
  for (const name of [
    'TestCertificatesVerifyUnderTheCAForTheirUse',
    'TestWriteFilesWritesLoadablePEMPrivateToTheOwner',
  ])
    assert.match(stdout, new RegExp(`--- PASS: ${name} `), stdout);
});
