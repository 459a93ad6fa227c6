import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { AES128Key } from './aes128-key.js';
import { hex } from './test-vectors.js';

const keyHex = '2b7e151628aed2a6abf7158809cf4f3c';

test('AES128Key never prints its bytes: toString, toJSON, inspect, template strings, JSON bodies', () => {
  const key = AES128Key.parse(keyHex.toUpperCase());
  const redacted = 'AES128Key(<redacted>)';
  assert.equal(key.toString(), redacted);
  assert.equal(key.toJSON(), redacted);
  assert.equal(inspect(key), redacted);
  assert.equal(`${key}`, redacted);
  const json = JSON.stringify({ appKey: key, nested: [key] });
  assert.ok(!json.toLowerCase().includes(keyHex));
  assert.ok(!inspect({ key }, { depth: 5, showHidden: true }).toLowerCase().includes(keyHex));
  assert.ok(
    !Object.keys(key).some((k) => String((key as unknown as Record<string, unknown>)[k]).includes('2b')),
  );
});

test('the bytes come out only explicitly, as copies', () => {
  const key = AES128Key.parse(`0x${keyHex}`);
  assert.equal(key.toHex(), keyHex);
  assert.equal(hex(key.bytes()), keyHex);
  assert.equal(hex(key.toWire()), keyHex);
  key.bytes().fill(0);
  assert.equal(key.toHex(), keyHex);
  const source = Uint8Array.from(Buffer.from(keyHex, 'hex'));
  const fromBytes = AES128Key.fromBytes(source);
  source.fill(0);
  assert.ok(fromBytes.equals(key));
  assert.ok(AES128Key.fromWire(key.bytes()).equals(key));
  assert.ok(!AES128Key.generate().equals(key));
  assert.notEqual(AES128Key.generate().toHex(), AES128Key.generate().toHex());
});

test('invalid keys are lorawan:invalid_key', () => {
  for (const bad of ['', '00', keyHex.slice(2), `${keyHex}00`, keyHex.replace('2b', 'zz')]) {
    assert.throws(() => AES128Key.parse(bad), { code: 'lorawan:invalid_key', kind: 'invalid_argument' });
  }
  assert.throws(() => AES128Key.fromBytes(new Uint8Array(15)), { code: 'lorawan:invalid_key' });
});
