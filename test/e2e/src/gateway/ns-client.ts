// A network server's side of the join path: LoRaWAN 1.0.4 devices with real root keys, JoinReqs with valid MICs,
// and an mTLS HTTPS client with keep-alive connections to the gateway.
import {
  biClient,
  bytesOf,
  hexOf,
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
  admin: { accountId: string; scope: Scope; apiKeyId: string },
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
  const batchSize = options.batchSize ?? 500;
  for (let i = 0; i < options.devices.length; i += batchSize)
    await claims.importBatch({
      principal: admin,
      joinEui: options.joinEui,
      manufacturer: 'acme',
      devices: options.devices.slice(i, i + batchSize).map((d) => ({
        devEui: d.devEui,
        macVersion: '1.0.4',
        nwkKey: { key: { case: 'hex' as const, value: hexOf(d.nwkKey) } },
        claimCode: d.claimCode,
      })),
    });
  let next = 0;
  const claimOne = async () => {
    while (next < options.devices.length) {
      const d = options.devices[next++]!;
      await claims.claim({
        principal: owner,
        devEui: bytes(d.devEui),
        claimCode: d.claimCode,
        networkServerId: ns.peer!.id,
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, claimOne));
  return {
    ns,
    tls: { cert: ns.credentials!.clientCertPem, key: ns.credentials!.clientKeyPem, ca: options.caCertPem },
  };
}
