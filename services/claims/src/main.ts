import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@joinery/config';
import { createGrpcClient, createGrpcServer } from '@joinery/grpc';
import { createLogger } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { connectRedisUrl } from '@joinery/store';
import { connectKafkaBus } from '@joinery/bus';
import { busDeviceEventPublisher } from './adapters/bus/device-events.js';
import { joinEventsHandler, joinsTopic } from './adapters/bus/join-events.js';
import { openLmdbClaimsStore } from './adapters/embedded/lmdb-store.js';
import { KeysServiceKeyCustody } from './adapters/grpc/keys-key-custody.js';
import { createRedisClaimsStore } from './adapters/redis/redis-store.js';
import { openCaKeySeal } from './adapters/x509/ca-key-seal.js';
import { adminTokenFrom } from './admin-token.js';
import { buildClaimsApp } from './app.js';
import { auditRetentionOf, claimsConfigSchema, sealKeyFileOf } from './config.js';

const config = loadConfig(claimsConfigSchema);
const logger = createLogger({ service: 'claims', level: config.logLevel });
mkdirSync(config.dataDir, { recursive: true });
// Before the store, so a bad seal key file stops the start with nothing opened yet.
const caKeySeal = openCaKeySeal(sealKeyFileOf(config));

const store =
  config.redisUrl === undefined
    ? openLmdbClaimsStore(join(config.dataDir, 'claims'))
    : createRedisClaimsStore(connectRedisUrl(config.redisUrl, { connectionName: 'claims', logger }), {
        ownsConnection: true,
      });
const keysClient = createGrpcClient(KeysService, config.keysGrpcAddress, {
  multiplex: config.grpcMultiplex,
});
const bus =
  config.kafkaBrokers === undefined
    ? undefined
    : await connectKafkaBus({
        brokers: config.kafkaBrokers,
        clientId: 'joinery-claims',
        logger,
        fetchMaxWaitMs: config.kafkaFetchMaxWaitMs,
        fetchMinBytes: config.kafkaFetchMinBytes,
        commitIntervalMs: config.kafkaCommitIntervalMs,
      });
const publisher = busDeviceEventPublisher(async (messages) => {
  if (bus === undefined) {
    for (const m of messages)
      logger.info({ topic: m.topic, dev_eui: m.key }, 'device event (no bus configured)');
    return;
  }
  await bus.publish(messages);
});

const app = await buildClaimsApp({
  store,
  keys: new KeysServiceKeyCustody(keysClient),
  publisher,
  adminToken: adminTokenFrom(config.dataDir, config.adminToken).token,
  caKeySeal,
  logger,
  scryptCost: { log2N: config.scryptLog2N, r: 8, p: 1 },
  rateLimit: { maxFailures: config.claimFailureLimit, windowMs: config.claimFailureWindowS * 1000 },
  allowPrivateAsyncUrls: config.allowPrivateAsyncUrls,
  access: { passwordCost: { log2N: config.passwordScryptLog2N, r: 8, p: 1 } },
  auditRetention: auditRetentionOf(config),
  maxBundlesPerPeer: config.maxBundlesPerPeer,
});
const server = createGrpcServer({ logger });
server.add(ClaimsService, app.service);
const port = await server.listen(config.grpcAddress);
// Accepted joins keep each device's activated / joinCount / lastJoinAt (idempotent per event id).
const joins = await bus?.subscribe({
  topic: joinsTopic,
  groupId: config.kafkaGroup,
  handler: joinEventsHandler(app.claims, logger),
});
logger.info(
  { address: config.grpcAddress, port, store: config.redisUrl === undefined ? 'lmdb' : 'redis' },
  'claims listening',
);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'claims shutting down');
  await joins?.close();
  await server.close();
  await app.close();
  keysClient.close();
  await bus?.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
