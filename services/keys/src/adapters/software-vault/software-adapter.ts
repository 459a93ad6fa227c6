import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { string } from '@joinery/config';
import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import { defineVaultAdapter } from '../../vault-adapter.js';
import { loadOrCreateMasterKey } from './master-key.js';
import { createSoftwareVault } from './software-vault.js';
import { createLmdbVaultStorage, createMemoryVaultStorage } from './vault-storage.js';

/**
 * The software vault, chosen when no other vault is configured: records sealed under the master key file in the
 * embedded store `$JOINERY_DATA_DIR/keys-vault`.
 */
export const softwareVaultAdapter = defineVaultAdapter({
  kind: 'software',
  config: {
    /** The software vault's AES-256 master key file; default `$JOINERY_DATA_DIR/keys-master.key` (created 0600). */
    masterKeyFile: string('JOINERY_KEYS_MASTER_KEY_FILE', { optional: true }),
  },
  selected: () => true,
  async open(config, { dataDir, logger }) {
    const masterKeyFile = config.masterKeyFile ?? join(dataDir, 'keys-master.key');
    const masterKey = loadOrCreateMasterKey(masterKeyFile);
    const root = openEmbeddedStore(join(dataDir, 'keys-vault'));
    const vault = createSoftwareVault({ masterKey, storage: createLmdbVaultStorage(root) });
    masterKey.fill(0);
    logger.info({ vault: 'software', master_key_file: masterKeyFile }, 'key vault open');
    return {
      ...vault,
      async close() {
        await vault.close();
        await closeEmbeddedStore(root);
      },
    };
  },
  contract: {
    infra: [],
    fixtures: () => [
      {
        name: 'software vault',
        async open() {
          const vault = createSoftwareVault({
            masterKey: new Uint8Array(randomBytes(32)),
            storage: createMemoryVaultStorage(),
          });
          await vault.createKek('storage', { purpose: 'storage' });
          return vault;
        },
      },
    ],
  },
});
