export { bool, duration, int, list, oneOf, port, secret, string, url, FieldError } from './fields.js';
export type { Field, FieldOptions, Resolved } from './fields.js';
export { configErrors, loadConfig } from './load-config.js';
export type { ConfigOf, ConfigSchema } from './load-config.js';
export { loadOrCreateKeyFile } from './key-file.js';
export type { KeyFileRefusal } from './key-file.js';
export { allowPrivateCallbacksSetting, callbackHostRefusal, isPublicAddress } from './callback-address.js';
export type { CallbackHostRefusal } from './callback-address.js';
export { ensurePrivateDir } from './private-dir.js';
