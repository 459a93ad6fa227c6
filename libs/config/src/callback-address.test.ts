import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callbackHostRefusal, isPublicAddress } from './callback-address.js';
import { loadConfig } from './load-config.js';
import { allowPrivateCallbacksSetting } from './callback-address.js';

const refused: [string, string][] = [
  ['http://127.0.0.1:8090/', 'not_public_address'],
  ['http://127.1/', 'not_public_address'], // short form
  ['http://2130706433/', 'not_public_address'], // decimal
  ['http://0177.0.0.1/', 'not_public_address'], // octal
  ['http://0x7f000001/', 'not_public_address'], // hex
  ['http://0x7f.0.0.1/', 'not_public_address'],
  ['http://0.0.0.0/', 'not_public_address'],
  ['http://10.1.2.3/', 'not_public_address'],
  ['http://172.16.0.1/', 'not_public_address'],
  ['http://172.31.255.255/', 'not_public_address'],
  ['http://192.168.1.1/', 'not_public_address'],
  ['http://100.64.0.1/', 'not_public_address'],
  ['http://169.254.169.254/latest/meta-data/', 'not_public_address'],
  ['http://224.0.0.1/', 'not_public_address'],
  ['http://255.255.255.255/', 'not_public_address'],
  ['http://198.18.0.1/', 'not_public_address'],
  ['http://[::1]/', 'not_public_address'],
  ['http://[0:0:0:0:0:0:0:1]/', 'not_public_address'],
  ['http://[::]/', 'not_public_address'],
  ['http://[::ffff:127.0.0.1]/', 'not_public_address'], // IPv4-mapped
  ['http://[::ffff:7f00:1]/', 'not_public_address'],
  ['http://[::ffff:10.0.0.1]/', 'not_public_address'],
  ['http://[::127.0.0.1]/', 'not_public_address'], // IPv4-compatible
  ['http://[64:ff9b::7f00:1]/', 'not_public_address'], // NAT64
  ['http://[fe80::1]/', 'not_public_address'],
  ['http://[fec0::1]/', 'not_public_address'],
  ['http://[fc00::1]/', 'not_public_address'],
  ['http://[fd12:3456::1]/', 'not_public_address'],
  ['http://[ff02::1]/', 'not_public_address'],
  ['http://[2001:db8::1]/', 'not_public_address'],
  ['http://[2002:7f00:1::1]/', 'not_public_address'], // 6to4 of 127.0.0.1
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'not_public_address'], // Teredo
  ['https://localhost/', 'local_name'],
  ['https://LOCALHOST./', 'local_name'],
  ['https://ns.localhost/', 'local_name'],
  ['https://redis:6379/', 'local_name'],
  ['https://chirpstack.local/', 'local_name'],
  ['https://metadata.google.internal/', 'local_name'],
  ['https://router.home.arpa/', 'local_name'],
];

test('callback URLs at loopback, private, link-local, multicast and unspecified addresses are refused, in every form', () => {
  for (const [url, reason] of refused) assert.equal(callbackHostRefusal(new URL(url)), reason, url);
});

test('public addresses and names are accepted', () => {
  for (const url of [
    'https://ns.example.com/async',
    'https://ns.example.com./async',
    'http://93.184.216.34:8090/',
    'https://[2606:4700:4700::1111]/',
    'https://[::ffff:93.184.216.34]/',
    'https://8.8.8.8/',
    'https://172.32.0.1/',
  ])
    assert.equal(callbackHostRefusal(new URL(url)), undefined, url);
});

test('isPublicAddress judges resolved addresses the same way', () => {
  assert.equal(isPublicAddress('93.184.216.34'), true);
  assert.equal(isPublicAddress('2606:4700::1'), true);
  for (const a of [
    '127.0.0.1',
    '10.0.0.1',
    '::1',
    '::',
    '::ffff:192.168.0.1',
    'fe80::1%eth0',
    'not an address',
    '',
  ])
    assert.equal(isPublicAddress(a), false, a);
});

test('the operator switch is off unless set', () => {
  const schema = { allow: allowPrivateCallbacksSetting };
  assert.equal(loadConfig(schema, {}).allow, false);
  assert.equal(loadConfig(schema, { JOINERY_ALLOW_PRIVATE_ASYNC_URLS: 'true' }).allow, true);
});
