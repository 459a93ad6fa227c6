import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { JoineryError } from '@joinery/errors';
import { claimsErrors } from '../../domain/errors.js';
import { CaKeySeal } from './ca-key-seal.js';

const fingerprint = 'ab'.repeat(32);
const otherFingerprint = 'cd'.repeat(32);
const plaintext = new Uint8Array(randomBytes(138));

const unsealFailed =
  (reason: string, file = 'seal-a') =>
  (err: unknown) =>
    JoineryError.is(err, claimsErrors.ca_unseal_failed.code) &&
    err.details['reason'] === reason &&
    err.details['file'] === file;

/** Flips one bit of the byte at `index` of the base64 field `field` (1: IV, 2: ciphertext and tag). */
function flip(sealed: string, field: 1 | 2, index: number): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[field] ?? '', 'base64');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  parts[field] = bytes.toString('base64');
  return parts.join(':');
}

test('seal then unseal returns the bytes; the text is v1:<iv>:<ciphertext+tag> with a fresh IV each time', () => {
  const seal = new CaKeySeal(randomBytes(32), 'seal-a');
  const sealed = seal.seal(plaintext, fingerprint);
  const [version, iv, body, ...rest] = sealed.split(':');
  assert.equal(version, 'v1');
  assert.equal(Buffer.from(iv ?? '', 'base64').length, 12);
  assert.equal(Buffer.from(body ?? '', 'base64').length, plaintext.length + 16);
  assert.deepEqual(rest, []);
  assert.ok(!sealed.includes(Buffer.from(plaintext).toString('base64')));
  assert.deepEqual(new Uint8Array(seal.unseal(sealed, fingerprint)), plaintext);
  assert.notEqual(seal.seal(plaintext, fingerprint), sealed);
  // The fingerprint is compared case-insensitively (it is hex).
  assert.deepEqual(new Uint8Array(seal.unseal(sealed, fingerprint.toUpperCase())), plaintext);
});

test('a changed ciphertext, tag or IV is refused', () => {
  const seal = new CaKeySeal(randomBytes(32), 'seal-a');
  const sealed = seal.seal(plaintext, fingerprint);
  assert.throws(() => seal.unseal(flip(sealed, 2, 0), fingerprint), unsealFailed('authentication_failed'));
  assert.throws(
    () => seal.unseal(flip(sealed, 2, plaintext.length + 15), fingerprint),
    unsealFailed('authentication_failed'),
  );
  assert.throws(() => seal.unseal(flip(sealed, 1, 3), fingerprint), unsealFailed('authentication_failed'));
});

test('another seal key is refused, and the error names the file but carries no key bytes', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const sealed = new CaKeySeal(keyA, 'seal-a').seal(plaintext, fingerprint);
  const other = new CaKeySeal(keyB, '/data/other-seal.key');
  let caught: unknown;
  try {
    other.unseal(sealed, fingerprint);
  } catch (err) {
    caught = err;
  }
  assert.ok(unsealFailed('authentication_failed', '/data/other-seal.key')(caught));
  const shown = `${inspect(caught)} ${JSON.stringify(caught)} ${String(caught)}`;
  assert.ok(shown.includes('/data/other-seal.key'));
  for (const key of [keyA, keyB])
    for (const encoding of ['hex', 'base64'] as const)
      assert.ok(!shown.toLowerCase().includes(key.toString(encoding).toLowerCase()), encoding);
});

test('other additional data (the blob of another certificate) is refused', () => {
  const seal = new CaKeySeal(randomBytes(32), 'seal-a');
  const sealed = seal.seal(plaintext, fingerprint);
  assert.throws(() => seal.unseal(sealed, otherFingerprint), unsealFailed('authentication_failed'));
});

test('texts that are not a v1 seal are refused as unknown_format, a plaintext PEM among them', () => {
  const seal = new CaKeySeal(randomBytes(32), 'seal-a');
  const sealed = seal.seal(plaintext, fingerprint);
  const [, iv, body] = sealed.split(':');
  for (const text of [
    '',
    '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n',
    `v2:${iv}:${body}`,
    `v1:${iv}`,
    `v1:${iv}:${body}:x`,
    `v1:${iv}:not*base64`,
    `v1:${Buffer.alloc(8).toString('base64')}:${body}`,
    `v1:${iv}:${Buffer.alloc(16).toString('base64')}`,
  ])
    assert.throws(() => seal.unseal(text, fingerprint), unsealFailed('unknown_format'), text);
});

test('a key of the wrong size is refused; the seal never prints its key', () => {
  assert.throws(() => new CaKeySeal(new Uint8Array(16), 'short'), {
    code: claimsErrors.invalid_seal_key.code,
  });
  const key = randomBytes(32);
  const seal = new CaKeySeal(key, '/data/claims-seal.key');
  const shown = `${String(seal)} ${inspect(seal, { showHidden: true, depth: 5 })} ${JSON.stringify({ seal })}`;
  assert.match(shown, /CaKeySeal\(<redacted>, \/data\/claims-seal\.key\)/);
  assert.ok(!shown.includes(key.toString('hex')) && !shown.includes(key.toString('base64')));
  // The seal copied the key: zeroing the caller's bytes leaves it working.
  const sealed = seal.seal(plaintext, fingerprint);
  key.fill(0);
  assert.deepEqual(new Uint8Array(seal.unseal(sealed, fingerprint)), plaintext);
});
