// Startup only: loadConfig → logger → gRPC clients (claims, billing) → buildConsoleApp → listen; SIGTERM → close.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { connectKafkaBus } from '@joinery/bus';
import { createGrpcClient } from '@joinery/grpc';
import { createLogger } from '@joinery/logging';
import { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { joinEventFeed, joinsTopic } from './adapters/bus/join-event-feed.js';
import { billingQueriesOf } from './adapters/grpc/billing-queries.js';
import { buildConsoleApp } from './app.js';
import { ActivityHub } from './domain/activity-hub.js';
import { biPublicUrlOf, loadConsoleConfig } from './config.js';

const config = loadConsoleConfig();
const logger = createLogger({ service: 'console', level: config.logLevel });

try {
  const claims = createGrpcClient(ClaimsService, config.claimsAddress, {
    defaultTimeoutMs: 30_000,
    multiplex: config.grpcMultiplex,
  });
  const billing = createGrpcClient(BillingService, config.billingAddress, {
    defaultTimeoutMs: 30_000,
    multiplex: config.grpcMultiplex,
  });
  const bus =
    config.kafkaBrokers === undefined
      ? undefined
      : await connectKafkaBus({ brokers: config.kafkaBrokers, clientId: 'joinery-console', logger });
  const activity = bus === undefined ? undefined : new ActivityHub();
  const joins =
    bus === undefined || activity === undefined
      ? undefined
      : await bus.subscribe({
          topic: joinsTopic,
          groupId: `${config.kafkaGroupPrefix}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
          fromBeginning: false,
          handler: joinEventFeed(activity, logger),
        });
  const app = await buildConsoleApp({
    claims,
    billing: billingQueriesOf(billing),
    logger,
    biPublicUrl: biPublicUrlOf(config),
    ...(activity === undefined ? {} : { activity }),
  });
  const port = await app.listen(config.apiHost, config.apiPort);
  logger.info(
    { host: config.apiHost, port, claims: config.claimsAddress, billing: config.billingAddress },
    'console listening',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'console stopping');
    app
      .close()
      .then(async () => {
        await joins?.close();
        await bus?.close();
      })
      .then(
        () => {
          claims.close();
          billing.close();
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'console did not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (err) {
  logger.error({ err }, 'console failed to start');
  process.exit(1);
}
