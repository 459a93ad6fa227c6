import { pkcs11VaultAdapter } from './adapters/pkcs11/pkcs11-adapter.js';
import { softwareVaultAdapter } from './adapters/software-vault/software-adapter.js';
import { vaultsConfigSchema } from './vault-adapter.js';

/**
 * Every kind of key vault, in selection order: `openVault` opens the first one the configuration selects (the
 * software vault selects itself always, so it comes last). A new kind is its adapter's `defineVaultAdapter` and one
 * line here; the keys configuration and the KeyVault contract test pick it up.
 */
export const vaultAdapters = [pkcs11VaultAdapter, softwareVaultAdapter] as const;

/** The configuration fields of every vault in `vaultAdapters`. */
export const vaultsConfig = vaultsConfigSchema(vaultAdapters);
