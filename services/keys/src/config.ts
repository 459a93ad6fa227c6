import { int, list, string, url, type ConfigOf } from '@joinery/config';
import { defaultJoinNonceCacheSize } from './adapters/redis/join-nonce-cache.js';
import { vaultsConfig } from './vaults.js';

/** The keys service's one configuration schema (environment `JOINERY_*`; secrets also through `*_FILE`). */
export const keysConfigSchema = {
  grpcAddress: string('JOINERY_KEYS_GRPC_ADDRESS', { default: '127.0.0.1:7401' }),
  dataDir: string('JOINERY_DATA_DIR', { default: './data' }),
  logLevel: string('JOINERY_LOG_LEVEL', { default: 'info' }),
  redisUrl: url('JOINERY_REDIS_URL', { optional: true, protocols: ['redis:', 'rediss:', 'redis-cluster:'] }),
  kafkaBrokers: list('JOINERY_KAFKA_BROKERS', { optional: true }),
  /**
   * With Redis, keys replicas share the outbox shards and only the holder of a shard's lease relays it (ADR 0005,
   * ADR 0007): another replica takes a shard over once its holder has not renewed for this long.
   */
  relayLeaseMs: int('JOINERY_KEYS_RELAY_LEASE_MS', { default: 10_000, min: 1_000, max: 300_000 }),
  /**
   * How long the relay's first publish waits for the other outbox shards' to share its produce request
   * (`adapters/kafka`'s `lingerMs`): more events per request under load, at that much added delay per event.
   */
  kafkaLingerMs: int('JOINERY_KEYS_KAFKA_LINGER_MS', { default: 5, min: 0, max: 1_000 }),
  /** Each key vault's own fields (`vaults.ts`): `JOINERY_PKCS11_*`, `JOINERY_KEYS_MASTER_KEY_FILE`. */
  ...vaultsConfig,
  /** LoRaWAN 1.0.0–1.0.3 DevNonce history per device (ADR 0003). */
  devNonceHistorySize: int('JOINERY_KEYS_DEV_NONCE_HISTORY', { default: 1024, min: 1, max: 65536 }),
  /** Sessions kept per device for AppSKeyReq. */
  maxSessions: int('JOINERY_KEYS_MAX_SESSIONS', { default: 10, min: 1, max: 1000 }),
  storageKekLabel: string('JOINERY_KEYS_STORAGE_KEK_LABEL', { default: 'joinery-keys-storage-1' }),
  /**
   * An identical JoinReq (everything but the TransactionID) within this many seconds of its accept is answered
   * again with the same join-accept instead of refused as a DevNonce replay: an NS retry, on any gateway replica.
   */
  joinRetryWindowS: int('JOINERY_KEYS_JOIN_RETRY_WINDOW_S', { default: 60, min: 0, max: 3600 }),
  /**
   * With Redis: how many devices' last JoinNonces a replica remembers, so that their next join takes one Redis round
   * trip instead of two (`JoinNonceCache`); 0 turns that off. About 100 bytes each.
   */
  joinNonceCacheSize: int('JOINERY_KEYS_JOIN_NONCE_CACHE_SIZE', {
    default: defaultJoinNonceCacheSize,
    min: 0,
    max: 10_000_000,
  }),
} as const;

export type KeysConfig = ConfigOf<typeof keysConfigSchema>;
