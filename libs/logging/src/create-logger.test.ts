import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { captureLogs } from './capture-logs.js';
import { createLogger } from './create-logger.js';
import { redactionCensor, secretFieldNames } from './redact-paths.js';

// A distinct fake 32-hex "key" per field name, so a leak names the path that leaked.
function fakeHex(i: number): string {
  return `${i.toString(16).padStart(2, '0')}${'a1b2c3d4e5f60718293a4b5c6d7e8f'}`;
}

for (const [i, name] of secretFieldNames.entries()) {
  test(`redacts ${name} at the top level and one and two levels deep`, () => {
    const logs = captureLogs();
    const top = fakeHex(i * 3);
    const one = fakeHex(i * 3 + 1);
    const two = fakeHex(i * 3 + 2);
    logs.logger.info({ [name]: top, device: { [name]: one }, batch: { device: { [name]: two } } }, 'secret');
    const text = logs.text();
    for (const hex of [top, one, two]) assert.ok(!text.includes(hex), `${name}: ${hex} leaked`);
    const [record] = logs.records() as [
      { [k: string]: unknown; device: Record<string, unknown>; batch: { device: Record<string, unknown> } },
    ];
    assert.equal(record[name], redactionCensor);
    assert.equal(record.device[name], redactionCensor);
    assert.equal(record.batch.device[name], redactionCensor);
  });
}

test('redacts the authorization header of a request', () => {
  const logs = captureLogs();
  logs.logger.info(
    { req: { method: 'POST', headers: { authorization: 'Bearer 0011223344556677', host: 'js' } } },
    'request',
  );
  const [record] = logs.records() as [{ req: { headers: Record<string, string> } }];
  assert.equal(record.req.headers.authorization, redactionCensor);
  assert.equal(record.req.headers.host, 'js');
  assert.ok(!logs.text().includes('0011223344556677'));
});

test('keeps non-secret fields, the service name and a level label', () => {
  const logs = captureLogs({ service: 'keys' });
  logs.logger.info({ dev_eui: '0102030405060708', join_nonce: 7 }, 'join accepted');
  assert.deepEqual(
    logs.records().map((r) => [r.service, r.level, r.msg, r.dev_eui, r.join_nonce]),
    [['keys', 'info', 'join accepted', '0102030405060708', 7]],
  );
});

test('child loggers carry their fixed keys and still redact', () => {
  const logs = captureLogs();
  const child = logs.logger.child({ component: 'nonce', dev_eui: '0102030405060708' });
  child.warn({ appKey: fakeHex(200) }, 'replay');
  const [record] = logs.records();
  assert.equal(record?.component, 'nonce');
  assert.equal(record?.dev_eui, '0102030405060708');
  assert.equal(record?.appKey, redactionCensor);
});

test('errors go under err with their code, kind and stack', () => {
  const logs = captureLogs();
  logs.logger.error(
    { err: new JoineryError('demo:broken', 'internal', 'it broke', { details: { id: 'x' } }) },
    'failed',
  );
  const [record] = logs.records() as [
    { err: { type: string; code: string; kind: string; message: string; stack: string } },
  ];
  assert.equal(record.err.code, 'demo:broken');
  assert.equal(record.err.kind, 'internal');
  assert.equal(record.err.message, 'it broke');
  assert.match(record.err.stack, /JoineryError/);
});

test('the level option filters lines', () => {
  const logs = captureLogs({ level: 'warn' });
  logs.logger.info('dropped');
  logs.logger.warn('kept');
  assert.deepEqual(
    logs.records().map((r) => r.msg),
    ['kept'],
  );
});

test('createLogger writes to the given destination', () => {
  const written: string[] = [];
  const log = createLogger({
    service: 'claims',
    level: 'debug',
    destination: { write: (s: string) => void written.push(s) },
  });
  log.debug({ account_id: 'a1' }, 'hello');
  assert.equal(written.length, 1);
  const record = JSON.parse(written[0] ?? '') as Record<string, unknown>;
  assert.deepEqual(
    [record.service, record.level, record.account_id, record.msg],
    ['claims', 'debug', 'a1', 'hello'],
  );
  assert.match(String(record.time), /^\d{4}-\d{2}-\d{2}T/);
});

test('captureLogs grep and clear', () => {
  const logs = captureLogs();
  logs.logger.info({ n: 1 }, 'alpha');
  logs.logger.info({ n: 2 }, 'beta');
  assert.deepEqual(
    logs.grep(/beta/g).map((r) => r.n),
    [2],
  );
  assert.deepEqual(
    logs.grep('alpha').map((r) => r.n),
    [1],
  );
  logs.clear();
  assert.deepEqual(logs.lines(), []);
});
