import { createServer, type Server } from 'node:http';
import { Gauge } from 'prom-client';
import { join } from 'node:path';
import { connectKafkaBus, type EventBus, type Subscription } from '@joinery/bus';
import { createGrpcServer } from '@joinery/grpc';
import { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import { closeEmbeddedStore, connectRedisUrl, openEmbeddedStore, waitForRedis } from '@joinery/store';
import { createLmdbLedger } from './adapters/embedded/lmdb-ledger.js';
import { createRedisLedger } from './adapters/redis/redis-ledger.js';
import { buildBillingApp, type BillingApp } from './app.js';
import { invoicingOf, type BillingConfig } from './config.js';
import type { ChargeLedger, Logger } from './domain/ports.js';

export interface RunningBillingService {
  readonly port: number;
  readonly app: BillingApp;
  /** Stops consuming, stops listening, closes the ledger. */
  stop(): Promise<void>;
}

async function openLedger(
  config: BillingConfig,
  logger: Logger,
): Promise<{ ledger: ChargeLedger; close(): Promise<void> }> {
  if (config.redisUrl !== undefined) {
    const redis = connectRedisUrl(config.redisUrl, { connectionName: 'joinery-billing', logger });
    await waitForRedis(redis);
    return { ledger: createRedisLedger(redis), close: async () => void (await redis.quit()) };
  }
  const root = openEmbeddedStore(join(config.dataDir, 'billing'));
  return { ledger: createLmdbLedger(root), close: () => closeEmbeddedStore(root) };
}

/**
 * The distributed-mode process around `buildBillingApp`: the ledger from config, the Kafka consumer group on
 * joinery.joins.v1 (several instances share its partitions), ChargeRecorded events, gRPC and metrics.
 */
export async function startBillingService(options: {
  config: BillingConfig;
  logger: Logger;
}): Promise<RunningBillingService> {
  const { config, logger } = options;
  const { ledger, close: closeLedger } = await openLedger(config, logger);
  const bus: EventBus | undefined =
    config.kafkaBrokers === undefined || config.kafkaBrokers.length === 0
      ? undefined
      : await connectKafkaBus({
          brokers: config.kafkaBrokers,
          clientId: 'joinery-billing',
          logger,
          fetchMaxWaitMs: config.kafkaFetchMaxWaitMs,
          fetchMinBytes: config.kafkaFetchMinBytes,
          commitIntervalMs: config.kafkaCommitIntervalMs,
        });
  const app = await buildBillingApp({
    ledger,
    logger,
    config: { amountMinor: config.amountMinor, currency: config.currency },
    invoicing: invoicingOf(config),
    ...(bus === undefined
      ? {}
      : { publish: (records) => bus.publish(records.map((r) => ({ ...r, topic: config.billingTopic }))) }),
  });
  const server = createGrpcServer({ logger });
  server.add(BillingService, app.service);
  const port = await server.listen(config.grpcAddress);
  const subscription: Subscription | undefined = await bus?.subscribe({
    topic: config.joinsTopic,
    groupId: config.kafkaGroup,
    handler: app.handleJoinEvents,
  });
  if (bus?.consumerLag !== undefined) {
    const lagOf = bus.consumerLag.bind(bus);
    new Gauge({
      name: 'joinery_billing_consumer_lag',
      help: 'Join events on Kafka not yet committed by the billing consumer group, per partition',
      labelNames: ['partition'],
      registers: [app.registry],
      async collect() {
        try {
          for (const [partition, lag] of await lagOf(config.kafkaGroup, config.joinsTopic))
            this.set({ partition: String(partition) }, lag);
        } catch (err) {
          logger.warn({ err }, 'consumer lag unavailable');
        }
      },
    });
  }
  let metrics: Server | undefined;
  if (config.metricsPort !== undefined) {
    metrics = createServer((request, response) => {
      if (request.url !== '/metrics') return void response.writeHead(404).end();
      app.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': app.registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => metrics?.listen(config.metricsPort, resolve));
  }
  logger.info(
    {
      address: config.grpcAddress,
      port,
      ledger: config.redisUrl === undefined ? 'lmdb' : 'redis',
      kafka: bus !== undefined,
    },
    'billing service listening',
  );
  return {
    port,
    app,
    async stop() {
      await subscription?.close();
      await bus?.close();
      await server.close();
      metrics?.close();
      await app.close();
      await closeLedger();
    },
  };
}
