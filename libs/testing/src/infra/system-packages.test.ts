import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { ensureExecutable, findExecutable, installHint, type Prerequisite } from './system-packages.js';

test('findExecutable finds a binary on PATH and nothing for an unknown name', () => {
  assert.match(findExecutable('sh', '') ?? '', /\/sh$/);
  assert.equal(findExecutable('joinery-no-such-binary', '/nonexistent'), undefined);
});

test('the install hint gives the exact apt-get command and the alternative', () => {
  assert.equal(
    installHint({
      purpose: 'Redis',
      binary: 'redis-server',
      debianPackage: 'redis-server',
      otherwise: '`brew install redis`',
    }),
    'install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`',
  );
});

const missing: Prerequisite = {
  purpose: 'SoftHSM2',
  binary: 'joinery-no-such-binary',
  debianPackage: 'joinery-no-such-package',
  otherwise: '`brew install softhsm`',
};

test('a missing binary without root or apt names the binary and the exact install command', async () => {
  for (const system of [
    { root: false, aptGet: '/usr/bin/apt-get' },
    { root: true, aptGet: undefined },
  ]) {
    const lines: string[] = [];
    await assert.rejects(
      ensureExecutable(missing, (l) => lines.push(l), system),
      (err: unknown) => {
        assert.ok(JoineryError.is(err, 'testing:prerequisite_missing'));
        assert.equal(err.details.binary, 'joinery-no-such-binary');
        assert.match(err.message, /`sudo apt-get install -y joinery-no-such-package`/);
        assert.match(err.message, /`brew install softhsm`/);
        return true;
      },
    );
    assert.deepEqual(lines, []);
  }
});

test('a binary that is present is returned without installing anything', async () => {
  const sh: Prerequisite = { purpose: 'shell', binary: 'sh', debianPackage: 'dash', otherwise: 'a shell' };
  assert.match(
    await ensureExecutable(sh, () => assert.fail('no log'), { root: true, aptGet: '/bin/false' }),
    /\/sh$/,
  );
});
