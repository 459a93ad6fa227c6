export { createSoftwareVault } from './software-vault.js';
export type { SoftwareVaultOptions } from './software-vault.js';
export { loadOrCreateMasterKey, masterKeyBytes } from './master-key.js';
export { createLmdbVaultStorage, createMemoryVaultStorage } from './vault-storage.js';
export type { VaultStorage } from './vault-storage.js';
