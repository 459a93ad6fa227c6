import type { KeysConfig } from './config.js';
import { keysErrors } from './domain/errors.js';
import type { KeyVault, Logger } from './domain/ports.js';
import { selectedVault } from './vault-adapter.js';
import { vaultAdapters } from './vaults.js';

/**
 * The vault the config asks for: the first of `vaultAdapters` it selects. Today the PKCS#11 HSM when
 * `JOINERY_PKCS11_MODULE` is set (token by `JOINERY_PKCS11_TOKEN_LABEL` or `JOINERY_PKCS11_SLOT`, PIN from
 * `JOINERY_PKCS11_PIN` or `JOINERY_PKCS11_PIN_FILE`), otherwise the software vault sealed under the master key file.
 */
export async function openVault(config: KeysConfig, logger: Logger): Promise<KeyVault> {
  const adapter = selectedVault(vaultAdapters, config);
  if (adapter === undefined)
    throw keysErrors.unsupported_vault({ vault: 'none' }, 'no key vault is configured');
  return adapter.open(config, { dataDir: config.dataDir, logger });
}
