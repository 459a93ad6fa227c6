// Startup only: loadConfig → logger → startBillingService (ledger, Kafka consumer, gRPC); SIGTERM → stop.
import { mkdirSync } from 'node:fs';
import { loadConfig } from '@joinery/config';
import { createLogger } from '@joinery/logging';
import { billingConfigSchema } from './config.js';
import { startBillingService } from './service.js';

const config = loadConfig(billingConfigSchema);
const logger = createLogger({ service: 'billing', level: config.logLevel });

try {
  mkdirSync(config.dataDir, { recursive: true });
  const running = await startBillingService({ config, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'billing service stopping');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'billing service did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (err) {
  logger.error({ err }, 'billing service failed to start');
  process.exit(1);
}
