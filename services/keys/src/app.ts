import type { ServiceImpl } from '@joinery/grpc';
import type { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { keysServiceImpl } from './adapters/grpc/keys-grpc.js';
import type { KeysDomainConfig } from './domain/join-pipeline.js';
import type { Clock, KeysStateStore, KeyVault, Logger, OutboxSource } from './domain/ports.js';

export interface KeysAppDeps {
  readonly vault: KeyVault;
  readonly state: KeysStateStore;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly config: KeysDomainConfig;
}

export interface KeysApp {
  /** The KeysService implementation: register it on a gRPC server or wrap it in an in-process client. */
  readonly service: ServiceImpl<typeof KeysService>;
  /** The transactional outbox of join events, for libs/bus `startOutboxRelay`. */
  readonly outboxSource: OutboxSource;
  /** Closes the state store and the vault (the app owns both once built). */
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Wires the keys service from its ports. No listening, no environment: `main.ts` and the launcher do that. */
export async function buildKeysApp(deps: KeysAppDeps): Promise<KeysApp> {
  const logger = deps.logger.child({ component: 'keys' });
  // AppSKeys of stored sessions are wrapped under this KEK, which never leaves the vault.
  if (!(await deps.vault.hasKek(deps.config.storageKekLabel))) {
    await deps.vault.createKek(deps.config.storageKekLabel, { purpose: 'storage' });
    logger.info({ kek_label: deps.config.storageKekLabel }, 'storage kek created');
  }
  const domain = {
    vault: deps.vault,
    state: deps.state,
    logger,
    clock: deps.clock ?? systemClock,
    config: deps.config,
  };
  return {
    service: keysServiceImpl(domain),
    outboxSource: deps.state.outbox,
    async close() {
      await deps.state.close();
      await deps.vault.close();
    },
  };
}
