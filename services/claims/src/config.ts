import { join } from 'node:path';
import { allowPrivateCallbacksSetting, int, list, secret, string, url, type ConfigOf } from '@joinery/config';
import { grpcMultiplexSetting } from '@joinery/grpc';
import { kafkaConsumerSettings } from '@joinery/bus';
import type { AuditRetention } from './domain/audit.js';

/** The claims service's one configuration schema (environment `JOINERY_*`; secrets also through `*_FILE`). */
export const claimsConfigSchema = {
  grpcAddress: string('JOINERY_CLAIMS_GRPC_ADDRESS', { default: '127.0.0.1:7402' }),
  grpcMultiplex: grpcMultiplexSetting,
  keysGrpcAddress: string('JOINERY_KEYS_GRPC_ADDRESS', { default: '127.0.0.1:7401' }),
  dataDir: string('JOINERY_DATA_DIR', { default: './data' }),
  logLevel: string('JOINERY_LOG_LEVEL', { default: 'info' }),
  /** Redis (distributed mode); without it the embedded LMDB store in JOINERY_DATA_DIR/claims is used. */
  redisUrl: url('JOINERY_REDIS_URL', { optional: true, protocols: ['redis:', 'rediss:', 'redis-cluster:'] }),
  /** Kafka for device events (topic joinery.devices.v1); without it events are only logged. */
  kafkaBrokers: list('JOINERY_KAFKA_BROKERS', { optional: true }),
  /** Consumer group on joinery.joins.v1 for the devices' activation facts. */
  kafkaGroup: string('JOINERY_CLAIMS_KAFKA_GROUP', { default: 'joinery-claims' }),
  /** The consumer's fetch and commit batching (libs/bus `kafkaConsumerSettings`). */
  ...kafkaConsumerSettings,
  /**
   * The 32-byte AES-256 key that seals the CA private key in the store; default `$JOINERY_DATA_DIR/claims-seal.key`
   * (created 0600 on first start). Every claims instance on one store needs the same file.
   */
  sealKeyFile: string('JOINERY_CLAIMS_SEAL_KEY_FILE', { optional: true }),
  /** Without it, the token in JOINERY_DATA_DIR/admin-token is used (created once, mode 0600). */
  adminToken: secret('JOINERY_ADMIN_TOKEN', { optional: true }),
  /** scrypt cost of claim-code hashes: N = 2^log2N (r 8, p 1). See README for measurements. */
  scryptLog2N: int('JOINERY_CLAIMS_SCRYPT_LOG2N', { default: 12, min: 10, max: 20 }),
  /** scrypt cost of user passwords: N = 2^log2N (r 8, p 1); at least 2^15. */
  passwordScryptLog2N: int('JOINERY_PASSWORD_SCRYPT_LOG2N', { default: 15, min: 15, max: 20 }),
  /** Failed claims per account and per DevEUI within the window before `claims:rate_limited`. */
  claimFailureLimit: int('JOINERY_CLAIMS_FAILURE_LIMIT', { default: 10, min: 1, max: 10_000 }),
  claimFailureWindowS: int('JOINERY_CLAIMS_FAILURE_WINDOW_S', { default: 600, min: 1, max: 86_400 }),
  /** NS asyncUrls at loopback, private or link-local addresses are refused unless this is true (lab set-ups). */
  allowPrivateAsyncUrls: allowPrivateCallbacksSetting,
  /** Audit entries older than this many days leave the log (0: no age bound; the count bound still holds). */
  auditRetentionDays: int('JOINERY_AUDIT_RETENTION_DAYS', { default: 365, min: 0, max: 36_500 }),
  /** Each account keeps at most its newest this many audit entries; so do the operator's (of no account). */
  auditMaxEntriesPerAccount: int('JOINERY_AUDIT_MAX_ENTRIES_PER_ACCOUNT', {
    default: 100_000,
    min: 100,
    max: 100_000_000,
  }),
  /**
   * Credentials bundles (the zip of a registration or rotation, up to 1 MiB each, kept an hour) of one network or
   * application server waiting for their download at once; one more is `claims:too_many_bundles`.
   */
  maxBundlesPerPeer: int('JOINERY_CLAIMS_MAX_BUNDLES_PER_PEER', { default: 10, min: 1, max: 1000 }),
} as const;

export type ClaimsConfig = ConfigOf<typeof claimsConfigSchema>;

/** The claims seal key file: `JOINERY_CLAIMS_SEAL_KEY_FILE`, else `claims-seal.key` in the data directory. */
export function sealKeyFileOf(config: Pick<ClaimsConfig, 'dataDir' | 'sealKeyFile'>): string {
  return config.sealKeyFile ?? join(config.dataDir, 'claims-seal.key');
}

/** The audit log's retention bounds, from the configuration. */
export function auditRetentionOf(
  config: Pick<ClaimsConfig, 'auditRetentionDays' | 'auditMaxEntriesPerAccount'>,
): AuditRetention {
  return {
    maxAgeMs: config.auditRetentionDays * 24 * 60 * 60 * 1000,
    maxEntriesPerAccount: config.auditMaxEntriesPerAccount,
  };
}
