// A network server's side of the join path: LoRaWAN 1.0.4 devices with real root keys, JoinReqs with valid MICs,
// and an mTLS HTTPS client with keep-alive connections to the gateway.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { AES128Key, DevNonce, EUI64, encodeJoinRequest, joinRequestMic } from '@joinery/lorawan';
import type { Client } from '@joinery/grpc';
import {
  AppSKeyDelivery,
  Scope,
  type ClaimsService,
  type RegisterNetworkServerResponse,
} from '@joinery/proto/claims/v1/claims_pb';

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
export const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

export interface Device {
  readonly devEui: string;
  readonly nwkKey: Uint8Array;
  readonly claimCode: string;
}

export function newDevice(): Device {
  return {
    devEui: hexOf(randomBytes(8)),
    nwkKey: new Uint8Array(randomBytes(16)),
    claimCode: randomBytes(6).toString('hex'),
  };
}

/** A ChirpStack-v4-shaped BI 1.0 JoinReq (spec §7.1) for a LoRaWAN 1.0.4 device, serialized. */
export function joinReqBody(
  d: Device,
  joinEui: string,
  netId: string,
  devNonce: number,
  transactionId: number,
): string {
  const fields = {
    joinEui: EUI64.parse(joinEui),
    devEui: EUI64.parse(d.devEui),
    devNonce: DevNonce.of(devNonce),
  };
  const phy = encodeJoinRequest(fields, joinRequestMic(AES128Key.fromBytes(d.nwkKey), fields));
  return JSON.stringify({
    ProtocolVersion: '1.0',
    SenderID: netId,
    ReceiverID: joinEui,
    TransactionID: transactionId,
    MessageType: 'JoinReq',
    MACVersion: '1.0.4',
    PHYPayload: hexOf(phy),
    DevEUI: d.devEui,
    DevAddr: '01020304',
    DLSettings: '00',
    RxDelay: 1,
    CFList: '',
  });
}

export interface NsCredentials {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** An mTLS client with up to `sockets` keep-alive connections (TLS session reuse, no handshake per request). */
export function nsClient(port: number, tls: NsCredentials, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ...tls });
  return {
    post(
      body: string,
      timeoutMs = 10_000,
    ): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/',
            method: 'POST',
            agent,
            timeout: timeoutMs,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              resolve({
                status: res.statusCode ?? 0,
                json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
              });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
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
