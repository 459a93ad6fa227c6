import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chirpStackV3Servers,
  chirpStackV4Servers,
  exactJoinEui,
  quoted,
  ttsJoinServer,
  type JoinServerConnection,
} from './index.js';

const connection: JoinServerConnection = {
  server: 'https://js.example.net:7443/',
  pemPaths: { ca: '/etc/j/ca.pem', cert: '/etc/j/client.pem', key: '/etc/j/client-key.pem' },
};

test('quoted strings escape backslash and quote; only a /64 prefix is one JoinEUI', () => {
  assert.equal(quoted('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(exactJoinEui('70B3D57ED0000000/64'), '70B3D57ED0000000');
  assert.equal(exactJoinEui('70B3D57ED0000000/56'), undefined);
  assert.equal(exactJoinEui('70B3D57ED0000000'), undefined);
});

test('ChirpStack v4: a server table per prefix, the async wait and the bearer-token note only when asked', () => {
  assert.deepEqual(chirpStackV4Servers(['70B3D57ED0000000/64'], connection), [
    '',
    '[[join_server.servers]]',
    'join_eui_prefix="70b3d57ed0000000/64"',
    'server="https://js.example.net:7443/"',
    'ca_cert="/etc/j/ca.pem"',
    'tls_cert="/etc/j/client.pem"',
    'tls_key="/etc/j/client-key.pem"',
  ]);
  const full = chirpStackV4Servers(
    ['70B3D57ED0000000/64', '70B3D57ED0000001/64'],
    { ...connection, asyncTimeout: '5s' },
    '/etc/j/bearer-token',
  );
  assert.equal(full.filter((l) => l === '[[join_server.servers]]').length, 2);
  assert.equal(full.filter((l) => l === 'async_timeout="5s"').length, 2);
  assert.ok(full.includes('# authorization_header="Bearer <the token in /etc/j/bearer-token>"'));
});

test('ChirpStack v3: exact JoinEUIs only, a wider prefix said so in a comment; async answers when asked', () => {
  const lines = chirpStackV3Servers(['70B3D57ED0000000/64', '70B3D57ED0000000/56'], {
    ...connection,
    asyncTimeout: '5s',
  });
  assert.deepEqual(lines.slice(0, 2), ['[join_server]', 'resolve_join_eui=false']);
  assert.ok(lines.includes('  join_eui="70b3d57ed0000000"'));
  assert.ok(lines.includes('  async=true'));
  assert.ok(
    lines.includes(
      '# 70B3D57ED0000000/56 is not one JoinEUI: ChirpStack v3 routes exact JoinEUIs only (join_eui).',
    ),
  );
  assert.equal(lines.filter((l) => l === '  [[join_server.servers]]').length, 1);
});

test("The Things Stack js.yml: the URL's host without brackets, its port or the scheme's, a path when it has one", () => {
  const yml = (url: string, senderNsId: string | null) =>
    ttsJoinServer({ url: new URL(url), protocol: 'BI1.1', senderNsId, pathKey: 'join' });
  assert.deepEqual(yml('https://js.example.net/', 'ns-1').slice(0, 4), [
    'fqdn: "js.example.net"',
    'port: 443',
    'protocol: "BI1.1"',
    'sender-ns-id: "ns-1"',
  ]);
  assert.deepEqual(yml('http://[::1]/bi/join', null).slice(0, 4), [
    'fqdn: "::1"',
    'port: 80',
    'protocol: "BI1.1"',
    'paths: { join: "bi/join" }',
  ]);
});
