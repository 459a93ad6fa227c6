export { openPkcs11Vault } from './pkcs11-vault.js';
export type { Pkcs11VaultOptions } from './pkcs11-vault.js';
export { openPkcs11VaultOnThread } from './threaded-vault.js';
