import { loadConfig } from '@joinery/config';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keysConfigSchema } from './config.js';

test('keys config defaults: loopback gRPC on 7401, LMDB + software vault, 1024 DevNonces, 10 sessions', () => {
  const config = loadConfig(keysConfigSchema, {});
  assert.equal(config.grpcAddress, '127.0.0.1:7401');
  assert.equal(config.dataDir, './data');
  assert.equal(config.redisUrl, undefined);
  assert.equal(config.pkcs11Module, undefined);
  assert.equal(config.devNonceHistorySize, 1024);
  assert.equal(config.maxSessions, 10);
});

test('the PKCS#11 PIN comes from a file and never appears in a config error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-config-'));
  try {
    writeFileSync(join(dir, 'pin'), '123456\n');
    const config = loadConfig(keysConfigSchema, {
      JOINERY_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
      JOINERY_PKCS11_PIN_FILE: join(dir, 'pin'),
    });
    assert.equal(config.pkcs11Pin, '123456');
    assert.throws(
      () =>
        loadConfig(keysConfigSchema, {
          JOINERY_PKCS11_PIN: '987654',
          JOINERY_PKCS11_PIN_FILE: join(dir, 'pin'),
          JOINERY_KEYS_MAX_SESSIONS: '0',
        }),
      (err: Error & { code?: string }) =>
        err.code === 'config:invalid' && !err.message.includes('987654') && !err.message.includes('123456'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
