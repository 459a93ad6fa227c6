// What the end-to-end suites over REST and the Backend Interfaces share: asserting a REST refusal by its code, an
// AS's AppSKeyReq over mTLS, and an owner with devices claimed to its NS, set up the way an operator and an owner do.
import assert from 'node:assert/strict';
import {
  ApiError,
  batchRow,
  createApiClient,
  peerAgent,
  postBi,
  type ApiClient,
  type RegisteredNetworkServer,
  type SimulatedDevice,
} from '@joinery/joinery';

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** `call` fails with the REST error `code` at HTTP `status`. */
export async function rejectsWithCode(call: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return true;
  });
}

/** An application server as the REST API registers it: its AS-ID and its mTLS credentials. */
export interface ApplicationServerPeer {
  readonly asId: string;
  readonly credentials: RegisteredNetworkServer['credentials'];
}

/** The AS asks for the AppSKey of a session (BI 1.1 AppSKeyReq over mTLS); answers the whole AppSKeyAns. */
export async function appSKeyReq(
  biUrl: URL,
  as: ApplicationServerPeer,
  session: { readonly joinEui: string; readonly devEui: string; readonly sessionKeyId: string },
): Promise<Record<string, unknown>> {
  const agent = peerAgent(as.credentials);
  try {
    return await postBi(
      biUrl,
      {
        ProtocolVersion: '1.1',
        TransactionID: 0,
        MessageType: 'AppSKeyReq',
        SenderID: as.asId,
        ReceiverID: session.joinEui,
        DevEUI: session.devEui,
        SessionKeyID: session.sessionKeyId,
      },
      agent,
    );
  } finally {
    agent.destroy();
  }
}

export interface ClaimedFleet {
  readonly admin: ApiClient;
  readonly owner: ApiClient;
  readonly ownerApiKey: string;
  readonly ns: RegisteredNetworkServer;
}

/**
 * Over the REST API at `apiUrl`: the operator creates an owner account and imports `devices` under `joinEui` (in
 * batches of 1,000); the owner registers a network server and claims every device to it (8 claims in flight).
 */
export async function claimedFleet(
  apiUrl: string,
  adminToken: string,
  fleet: {
    readonly account: string;
    readonly ns: { readonly name: string; readonly netId: string; readonly appSKeyDelivery?: string };
    readonly joinEui: string;
    readonly devices: readonly SimulatedDevice[];
  },
): Promise<ClaimedFleet> {
  const admin = createApiClient(apiUrl, adminToken);
  const account = await admin.request<{ apiKey: string }>('POST', '/api/v1/accounts', {
    name: fleet.account,
  });
  const owner = createApiClient(apiUrl, account.apiKey);
  const ns = await owner.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', fleet.ns);
  const { devices } = fleet;
  for (let i = 0; i < devices.length; i += 1000)
    await admin.request('POST', '/api/v1/device-batches', {
      joinEui: fleet.joinEui,
      devices: devices.slice(i, i + 1000).map(batchRow),
    });
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < devices.length; i += 8)
        await owner.request('POST', '/api/v1/claims', {
          devEui: devices[i]!.devEui,
          claimCode: devices[i]!.claimCode,
          networkServerId: ns.id,
        });
    }),
  );
  return { admin, owner, ownerApiKey: account.apiKey, ns };
}
