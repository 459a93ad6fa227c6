import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applicationServerBundleFiles, credentialFiles, networkServerBundleFiles } from './peer-bundle.js';

const pem = (type: string) => `-----BEGIN ${type}-----\nAAAA\n-----END ${type}-----`;
const credentials = {
  caCertPem: pem('CERTIFICATE'),
  clientCertPem: pem('CERTIFICATE'),
  clientKeyPem: pem('PRIVATE KEY'),
};
const ns = {
  id: 'ns_test',
  netId: '000013',
  nsId: '00005EEF00000001',
  kek: { label: 'ns-0a0b', key: '00112233445566778899AABBCCDDEEFF' },
  bearerToken: 'jns_token',
  credentials,
};
const options = {
  biUrl: 'https://js.example.net:7443/',
  joinEuiPrefixes: ['70B3D57ED0000000/64'],
  root: '/srv/ns',
};

test('an NS bundle: every credentials file, the secrets marked, paths under the root', () => {
  const files = networkServerBundleFiles(ns, options);
  const names = files.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, 'no file twice');
  for (const name of credentialFiles.filter(
    (n) =>
      !['application-server.json', 'chirpstack/chirpstack.toml', 'the-things-stack/config.yml'].includes(n),
  ))
    assert.ok(names.includes(name), name);
  const secret = files.filter((f) => f.secret).map((f) => f.name);
  for (const name of [
    'client-key.pem',
    'bearer-token',
    'kek',
    'chirpstack/joinery.toml',
    'the-things-stack/key-vault.yml',
  ])
    assert.ok(secret.includes(name), `${name} is secret`);
  assert.ok(!secret.includes('ca.pem'));
  const toml = files.find((f) => f.name === 'chirpstack/joinery.toml')?.content ?? '';
  assert.match(toml, /^ca_cert="\/srv\/ns\/ca\.pem"$/m);
  assert.match(toml, /^kek="00112233445566778899aabbccddeeff"$/m);
});

test('an AS bundle names its own interop directory; no prefix or a relative root is refused', () => {
  const files = applicationServerBundleFiles({ ...ns, asId: 'as.example.net' }, options);
  const stack = files.find((f) => f.name === 'the-things-stack/ttn-lw-stack.yml')?.content ?? '';
  assert.match(stack, /directory: "\/srv\/ns\/the-things-stack\/interop"/);
  assert.throws(() => networkServerBundleFiles(ns, { ...options, joinEuiPrefixes: [] }), /no JoinEUI prefix/);
  assert.throws(() => networkServerBundleFiles(ns, { ...options, root: 'relative/dir' }), /absolute path/);
});
