// The PKCS#11 vault's health check on a real SoftHSM2 token (started by `npm test`), in a process of its own: it logs
// the token out, which ends the login of every session of this process.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { requireInfra } from '@joinery/testing/infra';
import pkcs11js from 'pkcs11js';
import { vaultHealth } from '../../domain/vault-health.js';
import { openPkcs11Vault } from './pkcs11-vault.js';
import { openTestTokenSession } from '../../testing/pkcs11-token-session.js';
import { openPkcs11VaultOnThread } from './threaded-vault.js';

const env = requireInfra('PKCS11_MODULE', 'PKCS11_PIN', 'PKCS11_TOKEN_LABEL');
const token = { module: env.PKCS11_MODULE, tokenLabel: env.PKCS11_TOKEN_LABEL, pin: env.PKCS11_PIN };
const labelPrefix = () => `t-${randomUUID().slice(0, 8)}`;

/** A session of this process on the test token, through a PKCS11 object of its own (the same library). */
const otherSession = () => openTestTokenSession(env.PKCS11_MODULE, env.PKCS11_TOKEN_LABEL);

test('healthy while logged in, here and on its thread; not once the token is logged out; not once closed', async () => {
  const here = openPkcs11Vault({ ...token, labelPrefix: labelPrefix() });
  const onThread = await openPkcs11VaultOnThread({
    ...token,
    labelPrefix: labelPrefix(),
    logger: captureLogs().logger,
  });
  const other = otherSession();
  try {
    await here.health();
    assert.deepEqual(await vaultHealth(onThread, 2000), { ok: true });

    other.hsm.C_Logout(other.session);
    await assert.rejects(here.health(), (err: unknown) => JoineryError.is(err, 'keys:hsm_error'));
    assert.deepEqual(await vaultHealth(onThread, 2000), { ok: false, reason: 'keys:hsm_error' });

    other.hsm.C_Login(other.session, pkcs11js.CKU_USER, env.PKCS11_PIN);
    await here.health();
    assert.deepEqual(await vaultHealth(onThread, 2000), { ok: true });
  } finally {
    other.hsm.C_CloseSession(other.session);
    await onThread.close();
    await here.close();
  }
  assert.deepEqual(await vaultHealth(onThread, 2000), { ok: false, reason: 'keys:hsm_unavailable' });
  await assert.rejects(here.health());
});
