import { join } from 'node:path';
import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import {
  createLmdbVaultStorage,
  createSoftwareVault,
  loadOrCreateMasterKey,
} from './adapters/software-vault/index.js';
import { openPkcs11VaultOnThread } from './adapters/pkcs11/index.js';
import type { KeysConfig } from './config.js';
import { keysErrors } from './domain/errors.js';
import type { KeyVault, Logger } from './domain/ports.js';

/**
 * The vault the config asks for: the PKCS#11 HSM when `JOINERY_PKCS11_MODULE` is set (token by
 * `JOINERY_PKCS11_TOKEN_LABEL` or `JOINERY_PKCS11_SLOT`, PIN from `JOINERY_PKCS11_PIN` or `JOINERY_PKCS11_PIN_FILE`),
 * otherwise the software vault sealed under the master key file.
 */
export async function openVault(config: KeysConfig, logger: Logger): Promise<KeyVault> {
  if (config.pkcs11Module !== undefined) {
    if (config.pkcs11Pin === undefined)
      throw keysErrors.unsupported_vault(
        { vault: 'pkcs11' },
        'set JOINERY_PKCS11_PIN or JOINERY_PKCS11_PIN_FILE',
      );
    if (config.pkcs11TokenLabel === undefined && config.pkcs11Slot === undefined)
      throw keysErrors.unsupported_vault(
        { vault: 'pkcs11' },
        'set JOINERY_PKCS11_TOKEN_LABEL or JOINERY_PKCS11_SLOT to choose the token',
      );
    const vault = await openPkcs11VaultOnThread({
      module: config.pkcs11Module,
      pin: config.pkcs11Pin,
      ...(config.pkcs11TokenLabel === undefined ? {} : { tokenLabel: config.pkcs11TokenLabel }),
      ...(config.pkcs11Slot === undefined ? {} : { slot: config.pkcs11Slot }),
      logger,
    });
    logger.info({ vault: 'pkcs11', module: config.pkcs11Module }, 'key vault open');
    return vault;
  }
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
