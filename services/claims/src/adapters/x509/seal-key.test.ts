import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { claimsErrors } from '../../domain/errors.js';
import { openCaKeySeal } from './ca-key-seal.js';
import { loadOrCreateSealKey } from './seal-key.js';

const tmp = mkdtempSync(join(tmpdir(), 'claims-seal-key-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const invalid = (path: string) => (err: unknown) =>
  JoineryError.is(err, claimsErrors.invalid_seal_key.code) && err.details['path'] === path;

test('the seal key file is created 0600 (and its directory 0700) on first use, then reused', () => {
  const path = join(tmp, 'fresh', 'claims-seal.key');
  const key = new Uint8Array(loadOrCreateSealKey(path));
  assert.equal(key.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(tmp, 'fresh')).mode & 0o777, 0o700);
  assert.deepEqual(new Uint8Array(readFileSync(path)), key);
  assert.notDeepEqual(key, new Uint8Array(32));
  assert.deepEqual(new Uint8Array(loadOrCreateSealKey(path)), key);
  // A seal opened from the file opens what another seal from the same file sealed.
  const sealed = openCaKeySeal(path).seal(Uint8Array.of(1, 2, 3), 'ab'.repeat(32));
  assert.deepEqual([...openCaKeySeal(path).unseal(sealed, 'ab'.repeat(32))], [1, 2, 3]);
});

test('a file of the wrong size is refused and left as it is', () => {
  for (const [name, content] of [
    ['short.key', Buffer.from('short')],
    ['empty.key', Buffer.alloc(0)],
    ['long.key', randomBytes(33)],
  ] as const) {
    const path = join(tmp, name);
    writeFileSync(path, content, { mode: 0o600 });
    assert.throws(() => loadOrCreateSealKey(path), invalid(path), name);
    assert.throws(() => openCaKeySeal(path), invalid(path), name);
    assert.deepEqual(readFileSync(path), content, `${name} unchanged`);
  }
});

test('a file readable by group or others is refused, not chmod-ed, and the error shows no key bytes', () => {
  for (const mode of [0o640, 0o604, 0o660]) {
    const path = join(tmp, `open-${mode.toString(8)}.key`);
    const key = randomBytes(32);
    writeFileSync(path, key, { mode: 0o600 });
    chmodSync(path, mode);
    let caught: unknown;
    try {
      loadOrCreateSealKey(path);
    } catch (err) {
      caught = err;
    }
    assert.ok(invalid(path)(caught), mode.toString(8));
    assert.equal(statSync(path).mode & 0o777, mode);
    assert.deepEqual(readFileSync(path), key);
    const shown = `${String(caught)} ${JSON.stringify(caught)}`;
    assert.ok(!shown.includes(key.toString('hex')) && !shown.includes(key.toString('base64')));
  }
});
