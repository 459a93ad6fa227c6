import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { infraErrors } from './errors.js';
import { infraVars, requireInfraFrom } from './require-infra.js';

test('requireInfra returns exactly the variables asked for', () => {
  const env = { REDIS_URL: 'redis://127.0.0.1:20001', KAFKA_BROKERS: '127.0.0.1:20002', PATH: '/bin' };
  assert.deepEqual(requireInfraFrom(env, 'REDIS_URL', 'KAFKA_BROKERS'), {
    REDIS_URL: 'redis://127.0.0.1:20001',
    KAFKA_BROKERS: '127.0.0.1:20002',
  });
});

test('requireInfra names every missing or empty variable and says that npm test starts them', () => {
  const env = { REDIS_URL: 'redis://127.0.0.1:20001', PKCS11_PIN: '' };
  assert.throws(
    () => requireInfraFrom(env, 'REDIS_URL', 'KAFKA_BROKERS', 'PKCS11_PIN'),
    (err: unknown) => {
      assert.ok(JoineryError.is(err, infraErrors.infra_missing.code));
      assert.equal(err.details.missing, 'KAFKA_BROKERS,PKCS11_PIN');
      assert.match(err.message, /KAFKA_BROKERS, PKCS11_PIN/);
      assert.match(err.message, /npm test/);
      return true;
    },
  );
});

test('the variables match what the orchestrator documents', () => {
  assert.deepEqual([...infraVars].sort(), [
    'KAFKA_BROKERS',
    'PKCS11_MODULE',
    'PKCS11_PIN',
    'PKCS11_SLOT',
    'PKCS11_TOKEN_LABEL',
    'REDIS_URL',
    'SOFTHSM2_CONF',
  ]);
});
