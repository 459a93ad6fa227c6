// The console's pure helpers: claim CSV parsing, TR005 QR payloads, the SSE parser, the configuration snippets and
// the formats of times and amounts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitiesOf } from '../api/capabilities';
import { parseClaimCsv } from './csv';
import { formatMoney, formatTime } from './format';
import { SseParser } from './sse';
import { chirpStackV3Snippet, chirpStackV4Snippet, theThingsStackSnippet } from './snippets';
import { parseTr005 } from './tr005';

test('a claim CSV: header in any order and case, quoted cells, blank lines skipped, rows numbered from 1', () => {
  const parsed = parseClaimCsv(
    '\uFEFFClaimCode,devEUI,networkServerId\r\n"PIN,1",0004a30b001c0530,\r\n\r\nPIN2,0004A30B001C0531,ns-2\n',
  );
  assert.deepEqual(parsed, {
    rows: [
      { row: 1, devEui: '0004A30B001C0530', claimCode: 'PIN,1' },
      { row: 3, devEui: '0004A30B001C0531', claimCode: 'PIN2', networkServerId: 'ns-2' },
    ],
  });
  const bad = parseClaimCsv('devEui,code\n0004A30B001C0530,PIN');
  assert.ok('error' in bad && /claimCode/.test(bad.error));
});

test('a TR005 payload gives JoinEUI, DevEUI, profile and the owner token; anything else says what is wrong', () => {
  assert.deepEqual(parseTr005('LW:D0:70b3d57ed0000000:0004A30B001C0530:AABB1122:ODEMO-0530:S1234:CAF2C'), {
    joinEui: '70B3D57ED0000000',
    devEui: '0004A30B001C0530',
    profileId: 'AABB1122',
    ownerToken: 'DEMO-0530',
    serialNumber: '1234',
  });
  assert.deepEqual(parseTr005('LW:D0:70B3D57ED0000000:0004A30B001C0530:AABB1122'), {
    joinEui: '70B3D57ED0000000',
    devEui: '0004A30B001C0530',
    profileId: 'AABB1122',
  });
  for (const text of [
    'https://example.com',
    'LW:D0:70B3D57ED000:0004A30B001C0530:X',
    'LW:D0:70B3D57ED0000000:XYZ:X',
  ])
    assert.ok('error' in parseTr005(text), text);
});

test('the SSE parser: events split across chunks, multi-line data, comments and CRLF', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push(': heartbeat\n\nevent: join\nda'), []);
  assert.deepEqual(parser.push('ta: {"a":1}\r\n\r\ndata: x\ndata: y\n\n'), [
    { event: 'join', data: '{"a":1}' },
    { event: 'message', data: 'x\ny' },
  ]);
  assert.deepEqual(parser.push('event: join\n\n'), []);
});

test('the snippets name the BI URL, the JoinEUI prefixes, the KEK and the certificate files of the bundle', () => {
  const input = {
    netId: '000013',
    nsId: 'ns-1',
    kek: { label: 'acct-1/ns-kek', key: '00112233445566778899AABBCCDDEEFF' },
    biUrl: 'https://js.example.net:7443/',
    joinEuiPrefixes: ['70B3D57ED0000000/64'],
    dir: '/etc/joinery/',
  };
  const v4 = chirpStackV4Snippet(input);
  assert.match(v4, /join_eui_prefix="70b3d57ed0000000\/64"/);
  assert.match(v4, /server="https:\/\/js\.example\.net:7443\/"/);
  assert.match(v4, /tls_cert="\/etc\/joinery\/client\.pem"/);
  assert.match(v4, /kek="00112233445566778899aabbccddeeff"/);
  const v3 = chirpStackV3Snippet(input);
  assert.match(v3, /join_eui="70b3d57ed0000000"/);
  assert.match(v3, /label="acct-1\/ns-kek"/);
  const tts = theThingsStackSnippet(input);
  assert.match(tts, /net-id: "000013"/);
  assert.match(tts, /fqdn: "js\.example\.net"\nport: 7443\nprotocol: "BI1\.1"\nsender-ns-id: "ns-1"/);
  assert.match(tts, /join-euis: \["70B3D57ED0000000\/64"\]/);
  assert.match(tts, /"acct-1\/ns-kek": "00112233445566778899AABBCCDDEEFF"/);
  assert.match(theThingsStackSnippet({ ...input, nsId: null }), /protocol: "BI1\.0"/);
});

test("the capabilities give a query parameter's allowed values from the OpenAPI document, and none it does not list", () => {
  const caps = capabilitiesOf({
    paths: {
      '/api/v1/devices': {
        get: {
          parameters: [
            { name: 'macVersion', in: 'query', schema: { enum: ['1.0.4', '1.1'] } },
            { name: 'devEuiPrefix', in: 'query' },
          ],
        },
      },
    },
  });
  assert.deepEqual(caps.allowed('GET', '/api/v1/devices', 'macVersion'), ['1.0.4', '1.1']);
  assert.deepEqual(caps.allowed('GET', '/api/v1/devices', 'devEuiPrefix'), []);
  assert.deepEqual(caps.allowed('GET', '/api/v1/devices', 'nothing'), []);
  assert.equal(caps.takes('GET', '/api/v1/devices', 'devEuiPrefix'), true);
});

test('times and amounts: a missing time is a dash, an amount in minor units shows its major units', () => {
  assert.equal(formatTime(null), '—');
  assert.equal(formatTime(undefined), '—');
  assert.equal(formatTime('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z').toLocaleString());
  assert.match(formatMoney(1250, 'EUR'), /12[.,]50/);
});
