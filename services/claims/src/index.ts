export { buildClaimsApp } from './app.js';
export type { ClaimsApp, ClaimsAppDeps } from './app.js';
export { auditRetentionOf, claimsConfigSchema, sealKeyFileOf } from './config.js';
export type { ClaimsConfig } from './config.js';
export { claimsErrors } from './domain/errors.js';
export { accessErrors } from './domain/access-errors.js';
export type { Claims } from './domain/claims.js';
export type { ClaimsLogger, RateLimit } from './domain/context.js';
export type {
  ClaimsStore,
  CertificateAuthority,
  DeviceEventPublisher,
  KeyCustody,
  RootKeyImport,
} from './domain/ports.js';
export type { DeviceEventRecord, Principal } from './domain/model.js';
export type { ScryptCost } from './domain/secrets.js';
export { createMemoryClaimsStore } from './adapters/memory/memory-store.js';
export { MemoryKeyCustody } from './adapters/memory/memory-key-custody.js';
export { openLmdbClaimsStore } from './adapters/embedded/lmdb-store.js';
export { createRedisClaimsStore } from './adapters/redis/redis-store.js';
export { KeysServiceKeyCustody } from './adapters/grpc/keys-key-custody.js';
export { busDeviceEventPublisher, deviceEventToProto, devicesTopic } from './adapters/bus/device-events.js';
export type { DeviceEventMessage } from './adapters/bus/device-events.js';
export { joinEventsHandler, joinsTopic } from './adapters/bus/join-events.js';
export { CaKeySeal, openCaKeySeal } from './adapters/x509/ca-key-seal.js';
export { adminTokenFrom } from './admin-token.js';
export type { AdminToken } from './admin-token.js';
