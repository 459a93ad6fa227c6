import { join } from 'node:path';
import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import {
  createLmdbVaultStorage,
  createSoftwareVault,
  loadOrCreateMasterKey,
} from './adapters/software-vault/index.js';
import type { KeysConfig } from './config.js';
import { keysErrors } from './domain/errors.js';
import type { KeyVault, Logger } from './domain/ports.js';

/**
 * The vault the config asks for. PKCS#11 is configured with `JOINERY_PKCS11_MODULE`, but its adapter is not built
 * yet: starting with it set fails loudly rather than silently falling back to software keys.
 */
export async function openVault(config: KeysConfig, logger: Logger): Promise<KeyVault> {
  if (config.pkcs11Module !== undefined)
    throw keysErrors.unsupported_vault(
      { vault: 'pkcs11' },
      'the PKCS#11 vault adapter is not available yet; unset JOINERY_PKCS11_MODULE to use the software vault',
    );
  const masterKeyFile = config.masterKeyFile ?? join(config.dataDir, 'keys-master.key');
  const masterKey = loadOrCreateMasterKey(masterKeyFile);
  const root = openEmbeddedStore(join(config.dataDir, 'keys-vault'));
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
}
