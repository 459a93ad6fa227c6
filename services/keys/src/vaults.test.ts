import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig, string } from '@joinery/config';
import { captureLogs } from '@joinery/logging';
import { keysConfigSchema } from './config.js';
import { openVault } from './open-vault.js';
import { defineVaultAdapter, selectedVault, vaultsConfigSchema } from './vault-adapter.js';
import { vaultAdapters } from './vaults.js';

const tmp = mkdtempSync(join(tmpdir(), 'joinery-vaults-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const kindFor = (env: Record<string, string>) =>
  selectedVault(vaultAdapters, loadConfig(keysConfigSchema, env))?.kind;

describe('the vault registry', () => {
  test('selects PKCS#11 when JOINERY_PKCS11_MODULE is set, the software vault otherwise', () => {
    assert.deepEqual(
      vaultAdapters.map((adapter) => adapter.kind),
      ['pkcs11', 'software'],
    );
    assert.equal(kindFor({}), 'software');
    assert.equal(kindFor({ JOINERY_KEYS_MASTER_KEY_FILE: '/tmp/k' }), 'software');
    assert.equal(kindFor({ JOINERY_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so' }), 'pkcs11');
  });

  test("every field of the keys configuration, the vaults' included, reads its own environment variable", () => {
    const envs = Object.values(keysConfigSchema).map((field) => field.env);
    assert.equal(new Set(envs).size, envs.length);
    for (const env of [
      'JOINERY_PKCS11_MODULE',
      'JOINERY_PKCS11_PIN',
      'JOINERY_PKCS11_SLOT',
      'JOINERY_PKCS11_TOKEN_LABEL',
      'JOINERY_KEYS_MASTER_KEY_FILE',
    ])
      assert.ok(envs.includes(env), env);
  });

  test('two vaults sharing a kind, a field or an environment variable are refused', () => {
    const vault = (kind: string, name: string, env: string) =>
      defineVaultAdapter({
        kind,
        config: { [name]: string(env, { optional: true }) },
        selected: () => false,
        open: () => Promise.reject(new Error('not opened')),
        contract: { infra: [], fixtures: () => [] },
      });
    assert.doesNotThrow(() => vaultsConfigSchema([vault('a', 'aFile', 'A'), vault('b', 'bFile', 'B')]));
    assert.throws(() => vaultsConfigSchema([vault('a', 'aFile', 'A'), vault('a', 'bFile', 'B')]));
    assert.throws(() => vaultsConfigSchema([vault('a', 'file', 'A'), vault('b', 'file', 'B')]));
    assert.throws(() => vaultsConfigSchema([vault('a', 'aFile', 'X'), vault('b', 'bFile', 'X')]));
  });
});

describe('openVault', () => {
  test('PKCS#11 without a PIN or a token is keys:unsupported_vault, before the module is loaded', async () => {
    const { logger } = captureLogs();
    const module = join(tmp, 'no-such-module.so');
    for (const env of [
      { JOINERY_PKCS11_MODULE: module, JOINERY_PKCS11_TOKEN_LABEL: 'joinery' },
      { JOINERY_PKCS11_MODULE: module, JOINERY_PKCS11_PIN: '1234' },
    ])
      await assert.rejects(openVault(loadConfig(keysConfigSchema, env), logger), {
        code: 'keys:unsupported_vault',
        details: { vault: 'pkcs11' },
      });
  });

  test('otherwise opens the software vault, its master key created in the data directory', async () => {
    const logs = captureLogs();
    const dataDir = join(tmp, 'data');
    const vault = await openVault(loadConfig(keysConfigSchema, { JOINERY_DATA_DIR: dataDir }), logs.logger);
    try {
      await vault.createKek('storage', { purpose: 'storage' });
      assert.equal(await vault.hasKek('storage'), true);
      assert.ok(existsSync(join(dataDir, 'keys-master.key')));
      assert.equal(logs.grep('key vault open').length, 1);
    } finally {
      await vault.close();
    }
  });
});
