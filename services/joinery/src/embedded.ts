// Embedded mode: all five services in one process, wired through in-process gRPC transports (the same service
// implementations as distributed mode), LMDB for every durable store, the in-process bus fed by the keys outbox,
// the software vault with its master key in the data directory, and next to it the claims seal key of the CA key.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildGatewayApp, loadGatewayConfig, processMetricsRegistry } from '@joinery/bi-gateway';
import { billingConfigSchema, buildBillingApp, createLmdbLedger, invoicingOf } from '@joinery/billing';
import { createInProcessBus, startOutboxRelay } from '@joinery/bus';
import {
  adminTokenFrom,
  auditRetentionOf,
  buildClaimsApp,
  busDeviceEventPublisher,
  claimsConfigSchema,
  joinEventsHandler,
  joinsTopic,
  KeysServiceKeyCustody,
  openCaKeySeal,
  openLmdbClaimsStore,
  sealKeyFileOf,
} from '@joinery/claims';
import { ensurePrivateDir, loadConfig } from '@joinery/config';
import { ActivityHub, billingQueriesOf, buildConsoleApp, joinEventFeed } from '@joinery/console';
import { createInProcessClient, createInProcessDirectClient } from '@joinery/grpc';
import { buildKeysApp, createLmdbStateStore, keysConfigSchema, openVault } from '@joinery/keys';
import type { Logger } from '@joinery/logging';
import { BillingService } from '@joinery/proto/billing/v1/billing_pb';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import { launcherConfigSchema } from './config.js';
import { lockDataDir } from './data-dir-lock.js';
import { joineryErrors } from './errors.js';

export interface RunningEmbedded {
  readonly dataDir: string;
  readonly biPort: number;
  readonly biHttpPort: number | undefined;
  /** Where NSs reach the Backend Interfaces (`JOINERY_BI_PUBLIC_URL`, or this host's name and the BI port). */
  readonly biPublicUrl: string;
  readonly apiPort: number;
  readonly adminToken: string;
  /** Undefined when the token came from JOINERY_ADMIN_TOKEN. */
  readonly adminTokenFile: string | undefined;
  /** Joinery's CA certificate (PEM), also written to `<dataDir>/ca.pem` for network servers to trust. */
  readonly caCertPem: string;
  readonly caCertFile: string;
  /** True on the first start with this data directory. */
  readonly firstStart: boolean;
  /** Stops listening, drains the outbox relay, closes every store. */
  stop(): Promise<void>;
}

const grpcTimeoutMs = 30_000;

/** Starts embedded mode from `env` (the PRODUCT management contract's variables and every service's own). */
export async function startEmbedded(env: NodeJS.ProcessEnv, logger: Logger): Promise<RunningEmbedded> {
  const launcher = loadConfig(launcherConfigSchema, env);
  const dataDir = resolve(launcher.dataDir);
  // Every service reads its own schema; the data directory is the launcher's, whatever else is set.
  const serviceEnv = { ...env, JOINERY_DATA_DIR: dataDir };
  const keysConfig = loadConfig(keysConfigSchema, serviceEnv);
  const claimsConfig = loadConfig(claimsConfigSchema, serviceEnv);
  const billingConfig = loadConfig(billingConfigSchema, serviceEnv);
  const gatewayConfig = loadGatewayConfig(serviceEnv);

  const firstStart = !existsSync(join(dataDir, 'claims'));
  const warn = (fields: object, message: string) => logger.warn(fields, message);
  ensurePrivateDir(dataDir, warn);
  // One server per data directory, before anything in it is opened.
  const lock = lockDataDir(dataDir);
  if (lock.tookOverFrom !== undefined)
    logger.warn({ pid: lock.tookOverFrom, data_dir: dataDir }, 'took over the lock of a server that is gone');
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  // The stores' folders too (LMDB would create them world-readable), existing ones tightened.
  for (const store of ['claims', 'keys-state', 'keys-vault', 'billing'])
    ensurePrivateDir(join(dataDir, store), warn);
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.error({ err }, 'embedded shutdown step failed');
      }
    }
  };

  try {
    const admin = adminTokenFrom(dataDir, launcher.adminToken);
    const vault = await openVault(keysConfig, logger);
    const keysRoot = openEmbeddedStore(join(dataDir, 'keys-state'));
    const keysApp = await buildKeysApp({
      vault,
      state: createLmdbStateStore(keysRoot),
      logger,
      config: {
        devNonceHistorySize: keysConfig.devNonceHistorySize,
        maxSessions: keysConfig.maxSessions,
        storageKekLabel: keysConfig.storageKekLabel,
        joinRetryWindowMs: keysConfig.joinRetryWindowS * 1000,
      },
    });
    cleanups.push(async () => {
      await keysApp.close();
      await closeEmbeddedStore(keysRoot);
    });
    const keys = createInProcessClient(KeysService, keysApp.service, { defaultTimeoutMs: grpcTimeoutMs });

    const bus = createInProcessBus({ logger });
    cleanups.push(() => bus.close());

    const claimsApp = await buildClaimsApp({
      store: openLmdbClaimsStore(join(dataDir, 'claims')),
      keys: new KeysServiceKeyCustody(keys),
      publisher: busDeviceEventPublisher((messages) => bus.publish(messages)),
      adminToken: admin.token,
      caKeySeal: openCaKeySeal(sealKeyFileOf(claimsConfig)),
      logger,
      scryptCost: { log2N: claimsConfig.scryptLog2N, r: 8, p: 1 },
      rateLimit: {
        maxFailures: claimsConfig.claimFailureLimit,
        windowMs: claimsConfig.claimFailureWindowS * 1000,
      },
      allowPrivateAsyncUrls: claimsConfig.allowPrivateAsyncUrls,
      access: { passwordCost: { log2N: claimsConfig.passwordScryptLog2N, r: 8, p: 1 } },
      auditRetention: auditRetentionOf(claimsConfig),
      maxBundlesPerPeer: claimsConfig.maxBundlesPerPeer,
    });
    cleanups.push(() => claimsApp.close());
    const claims = createInProcessClient(ClaimsService, claimsApp.service, {
      defaultTimeoutMs: grpcTimeoutMs,
    });

    const billingRoot = openEmbeddedStore(join(dataDir, 'billing'));
    const billingApp = await buildBillingApp({
      ledger: createLmdbLedger(billingRoot),
      logger,
      config: { amountMinor: billingConfig.amountMinor, currency: billingConfig.currency },
      invoicing: invoicingOf(billingConfig),
      publish: (records) => bus.publish(records),
    });
    cleanups.push(async () => {
      await billingApp.close();
      await closeEmbeddedStore(billingRoot);
    });
    const billing = createInProcessClient(BillingService, billingApp.service, {
      defaultTimeoutMs: grpcTimeoutMs,
    });

    const activity = new ActivityHub();
    // Consumers before the relay, so the first relayed batch already reaches them all.
    const subscriptions = [
      await bus.subscribe({
        topic: joinsTopic,
        groupId: 'joinery-billing',
        handler: billingApp.handleJoinEvents,
      }),
      await bus.subscribe({
        topic: joinsTopic,
        groupId: 'joinery-claims',
        handler: joinEventsHandler(claimsApp.claims, logger),
      }),
      // The console's live activity streams: nothing durable, so nothing to lose if it misses one.
      await bus.subscribe({
        topic: joinsTopic,
        groupId: 'joinery-console',
        handler: joinEventFeed(activity, logger),
      }),
    ];
    cleanups.push(async () => {
      for (const subscription of subscriptions) await subscription.close();
    });
    // The keys outbox (LMDB) is the durable log: a record leaves it only once every consumer has handled it, so
    // billing sees every accepted join across restarts, and its ledger makes the charge happen once.
    const relay = startOutboxRelay({
      source: keysApp.outboxSource,
      publish: (records) => bus.publish(records),
      logger: logger.child({ component: 'outbox-relay' }),
      idleMs: 50,
    });
    cleanups.push(() => relay.stop());

    // The join path's two calls (Authorize, HandleJoin) pass their messages as objects: no protobuf codec inside
    // one process. The management paths keep the binary round trip of the wire.
    const gateway = buildGatewayApp({
      claims: createInProcessDirectClient(ClaimsService, claimsApp.service, {
        defaultTimeoutMs: grpcTimeoutMs,
      }),
      keys: createInProcessDirectClient(KeysService, keysApp.service, { defaultTimeoutMs: grpcTimeoutMs }),
      logger,
      config: gatewayConfig,
      processMetrics: processMetricsRegistry(),
    });
    cleanups.push(() => gateway.close());
    const listening = await gateway.listen().catch((err: unknown) => {
      throw portInUse(err, 'JOINERY_BI_PORT / JOINERY_BI_HTTP_PORT');
    });

    const consoleApp = await buildConsoleApp({
      claims,
      billing: billingQueriesOf(billing),
      logger,
      biPublicUrl: listening.publicUrl,
      activity,
    });
    cleanups.push(() => consoleApp.close());
    const apiPort = await consoleApp.listen(launcher.apiHost, launcher.apiPort).catch((err: unknown) => {
      throw portInUse(err, 'JOINERY_API_PORT');
    });

    const caCertFile = join(dataDir, 'ca.pem');
    writeFileSync(caCertFile, listening.caCertPem);
    chmodSync(caCertFile, 0o644);
    logger.info(
      { bi_port: listening.biPort, bi_http_port: listening.biHttpPort, api_port: apiPort, data_dir: dataDir },
      'joinery embedded mode started',
    );
    return {
      dataDir,
      biPort: listening.biPort,
      biHttpPort: listening.biHttpPort,
      biPublicUrl: listening.publicUrl,
      apiPort,
      adminToken: admin.token,
      adminTokenFile: admin.file,
      caCertPem: listening.caCertPem,
      caCertFile,
      firstStart,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** EADDRINUSE as one line that names the address and the setting; anything else as it is. */
function portInUse(err: unknown, setting: string): unknown {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code !== 'EADDRINUSE') return err;
  const where = `${e.address ?? ''}:${e.port ?? ''}`;
  return joineryErrors.port_in_use(
    { setting },
    `cannot listen on ${where}: the port is in use (another program, or another Joinery); set ${setting} to a free one`,
  );
}
