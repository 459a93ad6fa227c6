import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminTokenFrom } from './admin-token.js';

test('the admin token is generated once into the data dir with mode 0600, then read back; the env wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-admin-'));
  try {
    const first = adminTokenFrom(join(dir, 'data'), undefined);
    assert.equal(first.created, true);
    assert.equal(first.file, join(dir, 'data', 'admin-token'));
    assert.ok(first.token.length >= 40);
    assert.equal(statSync(join(dir, 'data', 'admin-token')).mode & 0o777, 0o600);
    const again = adminTokenFrom(join(dir, 'data'), undefined);
    assert.deepEqual(again, { token: first.token, file: first.file, created: false });
    assert.deepEqual(adminTokenFrom(join(dir, 'data'), 'from-env'), {
      token: 'from-env',
      file: undefined,
      created: false,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
