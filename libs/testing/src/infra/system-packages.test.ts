import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findExecutable, installHint } from './system-packages.js';

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
