import { startOutboxRelay } from '@joinery/bus';
import { createGrpcServer } from '@joinery/grpc';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import {
  closeEmbeddedStore,
  connectRedisUrl,
  openEmbeddedStore,
  waitForRedis,
  type Cluster,
  type Redis,
} from '@joinery/store';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createLmdbStateStore } from './adapters/embedded/lmdb-state-store.js';
import { connectKafkaPublisher } from './adapters/kafka/kafka-publisher.js';
import {
  createRedisStateStore,
  redisKeysPrefix,
  type RedisStateStore,
} from './adapters/redis/redis-state-store.js';
import { startShardedOutboxRelay } from './adapters/redis/sharded-relay.js';
import { buildKeysApp, type KeysApp } from './app.js';
import type { KeysConfig } from './config.js';
import type { KeysStateStore, KeyVault, Logger, OutboxSource } from './domain/ports.js';

export interface RunningKeysService {
  readonly port: number;
  readonly app: KeysApp;
  /** Stops listening (running calls finish), stops the relay, closes state and vault. */
  stop(): Promise<void>;
}

export interface KeysServiceOptions {
  readonly config: KeysConfig;
  readonly logger: Logger;
  readonly vault: KeyVault;
}

/**
 * With `JOINERY_KAFKA_BROKERS` the outbox is relayed to Kafka; without, events wait in the outbox. On Redis the
 * outbox shards are shared by every keys replica, so each shard is relayed only by the holder of its lease, and the
 * replicas split the shards (ADR 0007).
 */
async function startRelay(
  config: KeysConfig,
  source: OutboxSource,
  logger: Logger,
  redis: { client: Redis | Cluster; state: RedisStateStore } | undefined,
): Promise<{ stop(): Promise<void> } | undefined> {
  if (config.kafkaBrokers === undefined || config.kafkaBrokers.length === 0) return undefined;
  // Where this outbox lives, hashed (the URL may hold credentials): the Redis stream, or the LMDB directory.
  const sourceId = createHash('sha256')
    .update(config.redisUrl === undefined ? `lmdb:${resolve(config.dataDir)}` : `redis:${config.redisUrl}`)
    .digest('hex')
    .slice(0, 16);
  if (redis === undefined) {
    const publisher = await connectKafkaPublisher(config.kafkaBrokers, {
      sourceId,
      logger,
      lingerMs: config.kafkaLingerMs,
    });
    const relay = startOutboxRelay({
      source,
      publish: publisher.publish,
      logger: logger.child({ component: 'outbox-relay' }),
    });
    return {
      async stop() {
        await relay.stop();
        await publisher.close();
      },
    };
  }
  // Each shard is an outbox of its own on Kafka: its stream ids are unrelated to the other shards'.
  const shardSource = (k: number) => `${sourceId}-${k}`;
  const shards = redis.state.outboxShards;
  const publisher = await connectKafkaPublisher(config.kafkaBrokers, {
    sourceIds: shards.map((s) => shardSource(s.index)),
    logger,
    lingerMs: config.kafkaLingerMs,
  });
  const relay = startShardedOutboxRelay({
    redis: redis.client,
    shards,
    prefix: redisKeysPrefix,
    owner: `${hostname()}:${process.pid}`,
    leaseMs: config.relayLeaseMs,
    publish: (k, records) => publisher.publishFrom(shardSource(k), records),
    onShardTaken: (k) => publisher.forgetWatermarks(shardSource(k)),
    logger: logger.child({ component: 'outbox-relay' }),
  });
  return {
    async stop() {
      await relay.stop();
      await publisher.close();
    },
  };
}

async function openState(
  config: KeysConfig,
  logger: Logger,
): Promise<{
  state: KeysStateStore;
  redis?: { client: Redis | Cluster; state: RedisStateStore };
  close(): Promise<void>;
}> {
  if (config.redisUrl !== undefined) {
    const client = connectRedisUrl(config.redisUrl, { connectionName: 'joinery-keys', logger });
    await waitForRedis(client);
    const state = createRedisStateStore(client, { joinNonceCacheSize: config.joinNonceCacheSize });
    return { state, redis: { client, state }, close: async () => void (await client.quit()) };
  }
  const root = openEmbeddedStore(join(config.dataDir, 'keys-state'));
  return { state: createLmdbStateStore(root), close: () => closeEmbeddedStore(root) };
}

/** The distributed-mode process around `buildKeysApp`: state adapter from config, outbox relay, gRPC listener. */
export async function startKeysService(options: KeysServiceOptions): Promise<RunningKeysService> {
  const { config, logger } = options;
  const { state, redis, close: closeState } = await openState(config, logger);
  const app = await buildKeysApp({
    vault: options.vault,
    state,
    logger,
    config: {
      devNonceHistorySize: config.devNonceHistorySize,
      maxSessions: config.maxSessions,
      storageKekLabel: config.storageKekLabel,
      joinRetryWindowMs: config.joinRetryWindowS * 1000,
    },
  });
  const relay = await startRelay(config, app.outboxSource, logger, redis);
  const server = createGrpcServer({ logger });
  server.add(KeysService, app.service);
  const port = await server.listen(config.grpcAddress);
  logger.info(
    {
      address: config.grpcAddress,
      port,
      state: config.redisUrl === undefined ? 'lmdb' : 'redis',
      relay: relay !== undefined,
    },
    'keys service listening',
  );
  return {
    port,
    app,
    async stop() {
      await server.close();
      await relay?.stop();
      await app.close();
      await closeState();
    },
  };
}
