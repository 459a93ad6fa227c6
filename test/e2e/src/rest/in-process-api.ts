import {
  buildClaimsApp,
  CaKeySeal,
  createMemoryClaimsStore,
  MemoryKeyCustody,
  type ClaimsApp,
  type ClaimsAppDeps,
} from '@joinery/claims';
import { ActivityHub, buildConsoleApp, type ConsoleApp } from '@joinery/console';
import { createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';

export const adminToken = 'rest-admin-token-0123456789';
/** What the credentials bundles name as the Backend Interfaces' address. */
export const biPublicUrl = 'https://js.example.net:7443/';

export interface InProcessApi {
  readonly console: ConsoleApp;
  /** The claims service behind it (to feed join events as the bus would). */
  readonly claims: ClaimsApp;
  /** The live activity streams' feed (what a bus subscription would publish to). */
  readonly activity: ActivityHub;
  /** JSON request through `inject()`; answers status, body and headers. */
  call(
    token: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }>;
  /** The admin creates an owner account; answers its id and API key (fails unless created). */
  createAccount(name: string): Promise<{ id: string; apiKey: string }>;
  /** The account of `token` registers a network server (named `name`, else its NetID); answers its id. */
  registerNs(token: string, netId: string, name?: string): Promise<string>;
  close(): Promise<void>;
}

/** The body of a 201 answer; anything else fails with the answer in the message. */
function created<T>(res: { status: number; body: unknown }): T {
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** The real claims service (memory store) behind the real REST API, in one process, no sockets. */
export async function startInProcessApi(
  options: Pick<ClaimsAppDeps, 'access' | 'clock' | 'maxBundlesPerPeer'> & {
    activityHeartbeatMs?: number;
  } = {},
): Promise<InProcessApi> {
  const { activityHeartbeatMs, ...claimsOptions } = options;
  const { logger } = captureLogs();
  const claims = await buildClaimsApp({
    store: createMemoryClaimsStore(),
    keys: new MemoryKeyCustody(),
    publisher: { publish: async () => undefined },
    adminToken,
    caKeySeal: new CaKeySeal(new Uint8Array(32).fill(0x3c), 'rest-test-seal-key'),
    logger,
    scryptCost: { log2N: 4, r: 8, p: 1 },
    sweepIntervalMs: 0,
    ...claimsOptions,
    access: { passwordCost: { log2N: 4, r: 8, p: 1 }, ...claimsOptions.access },
  });
  const activity = new ActivityHub();
  const console = await buildConsoleApp({
    activity,
    ...(activityHeartbeatMs === undefined ? {} : { activityHeartbeatMs }),
    claims: createInProcessClient(ClaimsService, claims.service),
    logger,
    biPublicUrl,
  });
  const call: InProcessApi['call'] = async (token, method, url, body) => {
    const res = await console.http.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    return { status: res.statusCode, body: res.body === '' ? null : res.json(), headers: res.headers };
  };
  return {
    console,
    claims,
    activity,
    call,
    async createAccount(name) {
      return created(await call(adminToken, 'POST', '/api/v1/accounts', { name }));
    },
    async registerNs(token, netId, name = netId) {
      return created<{ id: string }>(await call(token, 'POST', '/api/v1/network-servers', { name, netId }))
        .id;
    },
    async close() {
      await console.close();
      await claims.close();
    },
  };
}
