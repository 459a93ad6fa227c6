// A network server's side of the join path: LoRaWAN 1.0.4 devices with real root keys, JoinReqs with valid MICs,
// and an mTLS HTTPS client with keep-alive connections to the gateway.
import {
  biClient,
  bytesOf,
  hexOf,
  importBatchRow,
  joinReqMessage,
  simulatedDevice,
  type SimulatedDevice,
} from '@joinery/testing/simulated-network';
import type { Client } from '@joinery/grpc';
import {
  AppSKeyDelivery,
  Scope,
  type ClaimsService,
  type RegisterNetworkServerResponse,
} from '@joinery/proto/claims/v1/claims_pb';

export { hexOf };
export const bytes = bytesOf;

export type Device = SimulatedDevice;

/** A LoRaWAN 1.0.4 device with real root keys (the shared simulation in @joinery/testing). */
export const newDevice = (): Device => simulatedDevice('1.0.4');

/** A ChirpStack-v4-shaped BI 1.0 JoinReq (spec §7.1) for a LoRaWAN 1.0.4 device, serialized. */
export function joinReqBody(
  d: Device,
  joinEui: string,
  netId: string,
  devNonce: number,
  transactionId: number,
): string {
  return JSON.stringify(
    joinReqMessage(d, { joinEui, devNonce, senderId: netId, transactionId }, { CFList: '' }),
  );
}

export interface NsCredentials {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** An mTLS client with up to `sockets` keep-alive connections (TLS session reuse, no handshake per request). */
export function nsClient(port: number, tls: NsCredentials, sockets: number) {
  const client = biClient(new URL(`https://127.0.0.1:${port}/`), {
    credentials: { clientCertPem: tls.cert, clientKeyPem: tls.key, caCertPem: tls.ca },
    sockets,
  });
  return {
    post: async (
      body: string,
      timeoutMs = 10_000,
    ): Promise<{ status: number; json: Record<string, unknown> | undefined }> => {
      const { status, json } = await client.post(body, timeoutMs);
      return { status, json };
    },
    close: () => client.close(),
  };
}

/**
 * An owner account, an NS (session-key-id delivery, so each JoinAns names its session) and `devices` imported for
 * `joinEui` and claimed for that NS.
 */
export async function provisionNs(
  claims: Client<typeof ClaimsService>,
  admin: Principal,
  options: {
    joinEui: string;
    netId: string;
    devices: readonly Device[];
    caCertPem: string;
    batchSize?: number;
  },
): Promise<{ ns: RegisterNetworkServerResponse; tls: NsCredentials }> {
  const { account, apiKeyId } = await claims.createAccount({
    principal: admin,
    name: `owner-${options.netId}`,
  });
  const owner = { accountId: account!.id, scope: Scope.OWNER, apiKeyId };
  const ns = await claims.registerNetworkServer({
    principal: owner,
    name: `ns-${options.netId}`,
    netId: bytes(options.netId),
    appSKeyDelivery: AppSKeyDelivery.SESSION_KEY_ID,
    lifetime: 3600,
  });
  await importDevices(claims, admin, options.joinEui, options.devices, options.batchSize);
  await claimDevices(claims, owner, options.devices, ns.peer!.id);
  return {
    ns,
    tls: { cert: ns.credentials!.clientCertPem, key: ns.credentials!.clientKeyPem, ca: options.caCertPem },
  };
}

type Principal = { accountId: string; scope: Scope; apiKeyId: string };

/** `devices` imported for `joinEui` by `admin`, `batchSize` (500 unless set) to a batch. */
export async function importDevices(
  claims: Client<typeof ClaimsService>,
  admin: Principal,
  joinEui: string,
  devices: readonly Device[],
  batchSize = 500,
): Promise<void> {
  for (let i = 0; i < devices.length; i += batchSize)
    await claims.importBatch({
      principal: admin,
      joinEui,
      manufacturer: 'acme',
      devices: devices.slice(i, i + batchSize).map(importBatchRow),
    });
}

/** Each of `devices` claimed by `owner` for its NS `networkServerId`, 16 claims in flight. */
export async function claimDevices(
  claims: Client<typeof ClaimsService>,
  owner: Principal,
  devices: readonly Device[],
  networkServerId: string,
): Promise<void> {
  let next = 0;
  const claimOne = async () => {
    while (next < devices.length) {
      const d = devices[next++]!;
      await claims.claim({
        principal: owner,
        devEui: bytes(d.devEui),
        claimCode: d.claimCode,
        networkServerId,
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, claimOne));
}
