export { buildKeysApp, systemClock } from './app.js';
export type { KeysApp, KeysAppDeps } from './app.js';
export { keysConfigSchema } from './config.js';
export type { KeysConfig } from './config.js';
export { keysErrors } from './domain/errors.js';
export type { KeysDomainConfig } from './domain/join-pipeline.js';
export type { Clock, KeysStateStore, OutboxRecord, OutboxSource } from './domain/ports.js';
export type { KeyVault } from './domain/key-vault.js';
export { createMemoryStateStore } from './adapters/memory/memory-state-store.js';
export { createLmdbStateStore } from './adapters/embedded/lmdb-state-store.js';
export { createRedisStateStore } from './adapters/redis/redis-state-store.js';
export { startKeysService } from './service.js';
export type { KeysServiceOptions, RunningKeysService } from './service.js';
export {
  createLmdbVaultStorage,
  createMemoryVaultStorage,
  createSoftwareVault,
  loadOrCreateMasterKey,
} from './adapters/software-vault/index.js';
export type { SoftwareVaultOptions, VaultStorage } from './adapters/software-vault/index.js';
export { openVault } from './open-vault.js';
export { openPkcs11Vault } from './adapters/pkcs11/index.js';
export type { Pkcs11VaultOptions } from './adapters/pkcs11/index.js';
