import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { aesEcbDecrypt, aesEcbEncrypt } from './aes.js';
import { hex } from './test-vectors.js';

// FIPS-197 Appendix C.1 (AES-128) and C.3 (AES-256).
const plaintext = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));

test('AES-ECB on node:crypto matches FIPS-197, for cached AES128Key ciphers and raw-byte keys', () => {
  const key = AES128Key.parse('000102030405060708090a0b0c0d0e0f');
  assert.equal(hex(aesEcbEncrypt(key, plaintext)), '69c4e0d86a7b0430d8cdb78070b4c55a');
  assert.equal(hex(aesEcbEncrypt(key, plaintext)), '69c4e0d86a7b0430d8cdb78070b4c55a');
  assert.equal(
    hex(aesEcbDecrypt(key, Buffer.from('69c4e0d86a7b0430d8cdb78070b4c55a', 'hex'))),
    hex(plaintext),
  );
  const key256 = Uint8Array.from(
    Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'),
  );
  assert.equal(hex(aesEcbEncrypt(key256, plaintext)), '8ea2b7ca516745bfeafc49904b496089');
  // Two blocks are handled independently (ECB).
  assert.equal(
    hex(aesEcbEncrypt(key, Uint8Array.of(...plaintext, ...plaintext))),
    '69c4e0d86a7b0430d8cdb78070b4c55a'.repeat(2),
  );
});

test('partial blocks and bad key sizes are typed errors', () => {
  const key = AES128Key.generate();
  assert.throws(() => aesEcbEncrypt(key, new Uint8Array(15)), { code: 'lorawan:invalid_block' });
  assert.throws(() => aesEcbDecrypt(key, new Uint8Array(0)), { code: 'lorawan:invalid_block' });
  assert.throws(() => aesEcbEncrypt(new Uint8Array(17), plaintext), { code: 'lorawan:invalid_kek' });
});
