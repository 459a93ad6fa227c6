import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { biErrors } from './errors.js';
import { hexToBytes } from './hex.js';
import { buildKeyEnvelope, parseKeyEnvelope } from './key-envelope.js';

// CS4 backend/src/lib.rs::test_key_envelope: 0102…08×2 wrapped under KEK 0807…01×2.
const wrapped = hexToBytes('E3D5A47BA25CBE6E5DA820846E0CB6A82B750C59D848EC7A');
const plain = hexToBytes('5B5202CB56B7040613F57B436D3AA98E');

test('buildKeyEnvelope: plaintext gets an empty KEKLabel, wrapped keys carry their label', () => {
  assert.deepEqual(buildKeyEnvelope({ key: plain }), {
    KEKLabel: '',
    AESKey: '5B5202CB56B7040613F57B436D3AA98E',
  });
  assert.deepEqual(buildKeyEnvelope({ kekLabel: 'ns-00000a', key: wrapped }), {
    KEKLabel: 'ns-00000a',
    AESKey: 'E3D5A47BA25CBE6E5DA820846E0CB6A82B750C59D848EC7A',
  });
});

test('buildKeyEnvelope refuses a plaintext key that is not 16 bytes and a wrapped key that is not a wrap', () => {
  const isEnvelopeError = (e: unknown) => JoineryError.is(e, biErrors.invalid_key_envelope.code);
  assert.throws(() => buildKeyEnvelope({ key: wrapped }), isEnvelopeError);
  assert.throws(() => buildKeyEnvelope({ kekLabel: 'l', key: plain }), isEnvelopeError);
  assert.throws(() => buildKeyEnvelope({ kekLabel: 'l', key: new Uint8Array(25) }), isEnvelopeError);
});

test('parseKeyEnvelope: absent, null or empty KEKLabel is plaintext; hex is lenient', () => {
  assert.deepEqual(parseKeyEnvelope({ KEKLabel: '', AESKey: '5b5202cb56b7040613f57b436d3aa98e' }), {
    key: plain,
  });
  assert.deepEqual(parseKeyEnvelope({ AESKey: '0x5B5202CB56B7040613F57B436D3AA98E' }), { key: plain });
  assert.deepEqual(parseKeyEnvelope({ KEKLabel: null, AESKey: '5B5202CB56B7040613F57B436D3AA98E' }), {
    key: plain,
  });
  assert.deepEqual(
    parseKeyEnvelope({ KEKLabel: 'as:x', AESKey: 'e3d5a47ba25cbe6e5da820846e0cb6a82b750c59d848ec7a' }),
    {
      kekLabel: 'as:x',
      key: wrapped,
    },
  );
});

test('parseKeyEnvelope reports the failing field', () => {
  const cases: [unknown, string, string][] = [
    ['x', 'AppSKey', 'not_object'],
    [{ KEKLabel: '' }, 'AppSKey.AESKey', 'missing'],
    [{ KEKLabel: 1, AESKey: '00' }, 'AppSKey.KEKLabel', 'not_string'],
    [{ AESKey: 'zz' }, 'AppSKey.AESKey', 'not_hex'],
    [{ AESKey: '0011' }, 'AppSKey.AESKey', 'wrong_length'],
  ];
  for (const [input, field, reason] of cases)
    assert.throws(
      () => parseKeyEnvelope(input, 'AppSKey'),
      (e) =>
        JoineryError.is(e, biErrors.invalid_key_envelope.code) &&
        e.details['field'] === field &&
        e.details['reason'] === reason,
      field,
    );
});

test('build then parse round-trips', () => {
  assert.deepEqual(parseKeyEnvelope(buildKeyEnvelope({ kekLabel: 'ns:000013', key: wrapped })), {
    kekLabel: 'ns:000013',
    key: wrapped,
  });
});
