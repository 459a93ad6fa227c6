// The keys service process for tests that must not depend on a vault adapter: `startKeysService` with real state
// (Redis or LMDB from JOINERY_*), real gRPC, and the in-memory fake vault (root keys and KEKs do not survive a
// restart, so tests import them again after one). Nonce state, sessions and the outbox are the real thing.
import { loadConfig } from '@joinery/config';
import { createLogger } from '@joinery/logging';
import { keysConfigSchema } from '../config.js';
import { startKeysService } from '../service.js';
import { createFakeKeyVault } from './fake-key-vault.js';

const config = loadConfig(keysConfigSchema);
const logger = createLogger({ service: 'keys', level: config.logLevel });
const running = await startKeysService({ config, logger, vault: createFakeKeyVault() });
process.once('SIGTERM', () => {
  void running.stop().then(() => process.exit(0));
});
