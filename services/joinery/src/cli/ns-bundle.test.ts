// The bundle writer on its own: what ends up in the files whatever the answer looked like.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeNetworkServerBundle, type RegisteredNetworkServer } from './ns-bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pem = (type: string) => `-----BEGIN ${type}-----\nAAAA\n-----END ${type}-----`;
const ns: RegisteredNetworkServer = {
  id: 'ns_test',
  netId: '000013',
  nsId: null,
  kek: { label: 'ns-000013-0a0b0c0d', key: '00112233445566778899AABBCCDDEEFF' },
  bearerToken: 'token',
  credentials: {
    caCertPem: pem('CERTIFICATE'),
    clientCertPem: pem('CERTIFICATE'),
    clientKeyPem: pem('PRIVATE KEY'),
  },
};
const options = { biUrl: 'https://js.example.net:7443/', joinEuiPrefixes: ['70B3D57ED0000000/64'] };

test("every PEM file ends with a newline, even when the answer's PEM did not (ChirpStack reads cert+key as one)", () => {
  const out = join(dir, 'pem');
  const files = writeNetworkServerBundle(out, ns, options);
  const pems = files.filter((f) => f.endsWith('.pem'));
  assert.equal(pems.length, 6);
  for (const file of pems) assert.ok(readFileSync(file, 'utf8').endsWith('-----\n'), file);
});

test('an async NS gets async_timeout (v4) and async/async_timeout (v3); a folder with credentials is refused', () => {
  const out = join(dir, 'async');
  writeNetworkServerBundle(out, ns, { ...options, asyncTimeout: '5s' });
  assert.match(readFileSync(join(out, 'chirpstack/joinery.toml'), 'utf8'), /^async_timeout="5s"$/m);
  assert.match(
    readFileSync(join(out, 'chirpstack-v3/chirpstack-network-server.toml'), 'utf8'),
    /^ {2}async=true\n {2}async_timeout="5s"$/m,
  );

  const taken = join(dir, 'taken');
  mkdirSync(taken);
  writeFileSync(join(taken, 'bearer-token'), 'the first one\n');
  assert.throws(
    () => writeNetworkServerBundle(taken, ns, options),
    /already holds credentials \(bearer-token\)/,
  );
  assert.deepEqual(readdirSync(taken), ['bearer-token']);
  assert.equal(readFileSync(join(taken, 'bearer-token'), 'utf8'), 'the first one\n');
});
