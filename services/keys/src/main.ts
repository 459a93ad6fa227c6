// Startup only: loadConfig → logger → vault → state, relay, gRPC (startKeysService); SIGTERM → close.
import { loadConfig } from '@joinery/config';
import { createLogger } from '@joinery/logging';
import { keysConfigSchema } from './config.js';
import { openVault } from './open-vault.js';
import { startKeysService } from './service.js';

const config = loadConfig(keysConfigSchema);
const logger = createLogger({ service: 'keys', level: config.logLevel });

try {
  const vault = await openVault(config, logger);
  const running = await startKeysService({ config, logger, vault });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'keys service stopping');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'keys service did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (err) {
  logger.error({ err }, 'keys service failed to start');
  process.exit(1);
}
