// The real claims, keys and bi-gateway wired in one process through the in-process gRPC transport (as the embedded
// mode will be), with the gateway listening on real loopback sockets: HTTPS with Joinery's CA, and plain HTTP.
import { randomBytes } from 'node:crypto';
import {
  buildGatewayApp,
  loadGatewayConfig,
  processMetricsRegistry,
  type GatewayApp,
} from '@joinery/bi-gateway';
import {
  buildClaimsApp,
  CaKeySeal,
  createMemoryClaimsStore,
  KeysServiceKeyCustody,
  type ClaimsApp,
} from '@joinery/claims';
import { createInProcessClient, type Client } from '@joinery/grpc';
import { captureLogs, type CapturedLogs } from '@joinery/logging';
import { ClaimsService, Scope } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import {
  buildKeysApp,
  createMemoryStateStore,
  createMemoryVaultStorage,
  createSoftwareVault,
  type KeysApp,
} from '@joinery/keys';

export interface JoinStack {
  readonly claims: Client<typeof ClaimsService>;
  readonly keys: Client<typeof KeysService>;
  readonly biPort: number;
  readonly biHttpPort: number;
  /** 0 unless `JOINERY_BI_METRICS_PORT` is among `gatewayEnv`. */
  readonly metricsPort: number;
  readonly caCertPem: string;
  readonly logs: CapturedLogs;
  readonly admin: { readonly accountId: string; readonly scope: Scope; readonly apiKeyId: string };
  stop(): Promise<void>;
}

/**
 * `gatewayEnv` overrides the gateway's `JOINERY_BI_*` settings (e.g. the asynchronous delivery budget);
 * `JOINERY_ALLOW_PRIVATE_ASYNC_URLS` there applies to claims too, as in embedded mode.
 */
export async function startJoinStack(gatewayEnv: NodeJS.ProcessEnv = {}): Promise<JoinStack> {
  const logs = captureLogs({ level: 'debug' });
  const adminToken = randomBytes(16).toString('hex');
  const keysApp: KeysApp = await buildKeysApp({
    vault: createSoftwareVault({
      masterKey: new Uint8Array(randomBytes(32)),
      storage: createMemoryVaultStorage(),
    }),
    state: createMemoryStateStore(),
    logger: logs.logger,
    config: { devNonceHistorySize: 1024, maxSessions: 10, storageKekLabel: 'storage' },
  });
  const keys = createInProcessClient(KeysService, keysApp.service, { defaultTimeoutMs: 30_000 });
  const claimsApp: ClaimsApp = await buildClaimsApp({
    store: createMemoryClaimsStore(),
    keys: new KeysServiceKeyCustody(keys),
    publisher: { publish: async () => {} },
    adminToken,
    caKeySeal: new CaKeySeal(new Uint8Array(randomBytes(32)), 'memory'),
    logger: logs.logger,
    scryptCost: { log2N: 4, r: 8, p: 1 },
    sweepIntervalMs: 0,
    allowPrivateAsyncUrls: gatewayEnv['JOINERY_ALLOW_PRIVATE_ASYNC_URLS'] === 'true',
  });
  const claims = createInProcessClient(ClaimsService, claimsApp.service, { defaultTimeoutMs: 30_000 });
  const gateway: GatewayApp = buildGatewayApp({
    claims,
    keys,
    logger: logs.logger,
    // As main.ts and embedded mode do (one process registry, shared by every stack a test process starts).
    processMetrics: processMetricsRegistry(),
    config: loadGatewayConfig({
      JOINERY_BI_HOST: '127.0.0.1',
      JOINERY_BI_PORT: '0',
      JOINERY_BI_HTTP_PORT: '0',
      JOINERY_BI_DEADLINE_MS: '5000',
      ...gatewayEnv,
    }),
  });
  const listening = await gateway.listen();
  return {
    claims,
    keys,
    biPort: listening.biPort,
    biHttpPort: listening.biHttpPort ?? 0,
    metricsPort: listening.metricsPort ?? 0,
    caCertPem: listening.caCertPem,
    logs,
    admin: { accountId: '', scope: Scope.ADMIN, apiKeyId: 'admin-token' },
    async stop() {
      await gateway.close();
      await claimsApp.close();
      await keysApp.close();
    },
  };
}
