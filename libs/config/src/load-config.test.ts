import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { bool, duration, int, list, oneOf, port, secret, string, url } from './fields.js';
import { configErrors, loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `fn`, expecting `config:invalid`; returns the error. */
function invalid(fn: () => unknown): JoineryError {
  try {
    fn();
  } catch (err) {
    assert.ok(JoineryError.is(err, configErrors.invalid.code), `expected config:invalid, got ${String(err)}`);
    assert.equal(err.kind, 'invalid_argument');
    return err;
  }
  assert.fail('expected config:invalid');
}

const schema = {
  port: port('JOINERY_API_PORT', { default: 7080 }),
  dataDir: string('JOINERY_DATA_DIR', { default: './data' }),
  adminToken: secret('JOINERY_ADMIN_TOKEN', { optional: true }),
  redisUrl: url('JOINERY_REDIS_URL', { optional: true, protocols: ['redis:', 'rediss:'] }),
  brokers: list('JOINERY_KAFKA_BROKERS', { default: [] }),
  level: oneOf('JOINERY_LOG_LEVEL', ['debug', 'info', 'warn', 'error'], { default: 'info' }),
  metrics: bool('JOINERY_METRICS', { default: false }),
  timeoutMs: duration('JOINERY_TIMEOUT', { default: 5000 }),
  workers: int('JOINERY_WORKERS', { default: 2, min: 1, max: 64 }),
};

test('defaults apply when nothing is set, optional fields are undefined', () => {
  const config = loadConfig(schema, {});
  assert.deepEqual(config, {
    port: 7080,
    dataDir: './data',
    adminToken: undefined,
    redisUrl: undefined,
    brokers: [],
    level: 'info',
    metrics: false,
    timeoutMs: 5000,
    workers: 2,
  });
});

test('every kind parses its text', () => {
  const config = loadConfig(schema, {
    JOINERY_API_PORT: '8080',
    JOINERY_DATA_DIR: '/var/lib/joinery',
    JOINERY_ADMIN_TOKEN: 's3cret',
    JOINERY_REDIS_URL: 'redis://127.0.0.1:6379/0',
    JOINERY_KAFKA_BROKERS: ' k1:9092, k2:9092 ,,',
    JOINERY_LOG_LEVEL: 'debug',
    JOINERY_METRICS: 'YES',
    JOINERY_TIMEOUT: '2m',
    JOINERY_WORKERS: '8',
  });
  assert.deepEqual(config, {
    port: 8080,
    dataDir: '/var/lib/joinery',
    adminToken: 's3cret',
    redisUrl: 'redis://127.0.0.1:6379/0',
    brokers: ['k1:9092', 'k2:9092'],
    level: 'debug',
    metrics: true,
    timeoutMs: 120_000,
    workers: 8,
  });
});

test('an empty variable counts as unset', () => {
  assert.equal(loadConfig({ p: port('JOINERY_P', { default: 1 }) }, { JOINERY_P: '' }).p, 1);
});

test('bool words', () => {
  const s = { b: bool('JOINERY_B') };
  for (const word of ['true', '1', 'yes', 'on', 'TRUE'])
    assert.equal(loadConfig(s, { JOINERY_B: word }).b, true);
  for (const word of ['false', '0', 'no', 'off', 'Off'])
    assert.equal(loadConfig(s, { JOINERY_B: word }).b, false);
  invalid(() => loadConfig(s, { JOINERY_B: 'maybe' }));
});

test('durations', () => {
  const s = { d: duration('JOINERY_D') };
  const cases: [string, number][] = [
    ['250', 250],
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
  ];
  for (const [text, ms] of cases) assert.equal(loadConfig(s, { JOINERY_D: text }).d, ms, text);
  for (const text of ['5 sec', '-1s', 's', '1w']) invalid(() => loadConfig(s, { JOINERY_D: text }));
});

test('ports and integers are range-checked', () => {
  assert.equal(loadConfig({ p: port('JOINERY_P') }, { JOINERY_P: '0' }).p, 0);
  assert.equal(loadConfig({ p: port('JOINERY_P') }, { JOINERY_P: '65535' }).p, 65535);
  for (const text of ['65536', '-1', '80a', '1.5', ' 80'])
    invalid(() => loadConfig({ p: port('JOINERY_P') }, { JOINERY_P: text }));
  const s = { n: int('JOINERY_N', { min: -5, max: 5 }) };
  assert.equal(loadConfig(s, { JOINERY_N: '-5' }).n, -5);
  for (const text of ['6', '-6', '1e3', '0x10']) invalid(() => loadConfig(s, { JOINERY_N: text }));
});

test('urls must be absolute and of an allowed scheme', () => {
  const s = { u: url('JOINERY_U', { protocols: ['https:'] }) };
  assert.equal(loadConfig(s, { JOINERY_U: 'https://ns.example/bi' }).u, 'https://ns.example/bi');
  invalid(() => loadConfig(s, { JOINERY_U: 'http://ns.example' }));
  invalid(() => loadConfig(s, { JOINERY_U: '/relative' }));
});

test('oneOf accepts only its words', () => {
  const s = { mode: oneOf('JOINERY_MODE', ['embedded', 'distributed']) };
  assert.equal(loadConfig(s, { JOINERY_MODE: 'distributed' }).mode, 'distributed');
  const err = invalid(() => loadConfig(s, { JOINERY_MODE: 'Embedded' }));
  assert.equal(err.details.keys, 'JOINERY_MODE');
});

test('a required field that is unset is an error', () => {
  const err = invalid(() => loadConfig({ dir: string('JOINERY_DIR') }, {}));
  assert.equal(err.details.keys, 'JOINERY_DIR');
});

test('secrets come from <NAME>_FILE with one trailing newline trimmed', () => {
  const s = { token: secret('JOINERY_TOKEN') };
  assert.equal(loadConfig(s, { JOINERY_TOKEN_FILE: file('t1', 'abc\n') }).token, 'abc');
  assert.equal(loadConfig(s, { JOINERY_TOKEN_FILE: file('t2', 'abc\r\n') }).token, 'abc');
  assert.equal(loadConfig(s, { JOINERY_TOKEN_FILE: file('t3', 'abc\n\n') }).token, 'abc\n');
  assert.equal(loadConfig(s, { JOINERY_TOKEN_FILE: file('t4', ' abc ') }).token, ' abc ');
});

test('any field marked secret accepts _FILE; plain fields ignore it', () => {
  const s = { u: url('JOINERY_REDIS_URL', { secret: true }), dir: string('JOINERY_DIR', { default: 'd' }) };
  const config = loadConfig(s, {
    JOINERY_REDIS_URL_FILE: file('u', 'redis://:pw@h:6379\n'),
    JOINERY_DIR_FILE: file('d', 'x'),
  });
  assert.deepEqual(config, { u: 'redis://:pw@h:6379', dir: 'd' });
});

test('setting a secret both directly and through _FILE is an error', () => {
  const err = invalid(() =>
    loadConfig({ t: secret('JOINERY_T') }, { JOINERY_T: 'a', JOINERY_T_FILE: file('both', 'b') }),
  );
  assert.equal(err.details.keys, 'JOINERY_T');
});

test('an unreadable or empty _FILE is an error', () => {
  const s = { t: secret('JOINERY_T') };
  const missing = invalid(() => loadConfig(s, { JOINERY_T_FILE: join(dir, 'does-not-exist') }));
  assert.match(missing.message, /ENOENT/);
  invalid(() => loadConfig(s, { JOINERY_T_FILE: file('empty', '\n') }));
});

test('every problem is listed in one error, secrets are never echoed', () => {
  const secretText = 'hunter2-0123456789abcdef0123456789abcdef';
  const s = {
    port: port('JOINERY_API_PORT'),
    dir: string('JOINERY_DATA_DIR'),
    level: oneOf('JOINERY_LOG_LEVEL', ['info', 'debug']),
    redis: url('JOINERY_REDIS_URL', { secret: true, protocols: ['redis:'] }),
    pin: secret('JOINERY_PIN'),
    ok: bool('JOINERY_OK', { default: true }),
    both: secret('JOINERY_BOTH'),
  };
  const err = invalid(() =>
    loadConfig(s, {
      JOINERY_API_PORT: 'http',
      JOINERY_LOG_LEVEL: 'loud',
      JOINERY_REDIS_URL: `http://${secretText}@h`,
      JOINERY_BOTH: secretText,
      JOINERY_BOTH_FILE: file('both2', secretText),
    }),
  );
  assert.equal(
    err.details.keys,
    'JOINERY_API_PORT,JOINERY_DATA_DIR,JOINERY_LOG_LEVEL,JOINERY_REDIS_URL,JOINERY_PIN,JOINERY_BOTH',
  );
  assert.equal(err.details.count, 6);
  for (const key of String(err.details.keys).split(','))
    assert.match(err.message, new RegExp(`^  ${key}: `, 'm'));
  assert.match(err.message, /"http"/, 'non-secret values are echoed');
  assert.match(err.message, /"loud"/);
  assert.ok(!err.message.includes(secretText), 'secret leaked into the message');
  assert.ok(!JSON.stringify(err.details).includes(secretText));
});

test('field names must be upper-case environment variable names', () => {
  assert.throws(() => string('joinery_dir'), TypeError);
});

test('loadConfig is precisely typed (checked by tsc)', () => {
  const config = loadConfig(schema, { JOINERY_ADMIN_TOKEN: 't' });
  const typed: {
    port: number;
    dataDir: string;
    adminToken: string | undefined;
    redisUrl: string | undefined;
    brokers: string[];
    level: 'debug' | 'info' | 'warn' | 'error';
    metrics: boolean;
    timeoutMs: number;
    workers: number;
  } = config;
  // @ts-expect-error optional fields without a default may be undefined
  const token: string = config.adminToken;
  // @ts-expect-error oneOf is a union of its words, not any string
  const level: 'info' = config.level;
  const required = loadConfig(
    { dir: string('JOINERY_DIR'), n: int('JOINERY_N', { optional: true, default: 3 }) },
    { JOINERY_DIR: '/d' },
  );
  const dir: string = required.dir;
  const n: number = required.n;
  assert.deepEqual([typed.adminToken, token, level, dir, n], ['t', 't', 'info', '/d', 3]);
});
