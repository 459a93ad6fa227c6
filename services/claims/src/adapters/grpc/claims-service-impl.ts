import type { ServiceImpl } from '@joinery/grpc';
import type { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import type { BatchKeyInput, BatchRowInput } from '../../domain/batch.js';
import { parseBatchCsv } from '../../domain/batch.js';
import type { Claims } from '../../domain/claims.js';
import { claimsErrors } from '../../domain/errors.js';
import { lifecycleServiceImpl } from './lifecycle-service-impl.js';
import { healthServiceImpl } from './health-service-impl.js';
import { authorizeOutcomeToProto } from './authorize-mapping.js';
import type { BatchKey } from '@joinery/proto/claims/v1/claims_pb';
import {
  appSKeyDeliveryFromProto,
  bytesToHex,
  credentialFromProto,
  deviceContextToProto,
  deviceQueryFromProto,
  deviceToProto,
  hexToBytes,
  optionalHex,
  peerIdentityToProto,
  peerKindFromProto,
  peerToProto,
  productFromProto,
  principalFromProto,
  principalToProto,
  scopeFromProto,
  scopeToProto,
  timestampDate,
} from './mapping.js';
import type { AccountRecord, ApiKeyRecord } from '../../domain/model.js';
import { timestampFromDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { DevNonceResetRecord } from '../../domain/ports.js';
import { accessServiceMethods, isoTimestamp } from './access-service-impl.js';
import { issuedCredentialsToProto, issuedPeerToProto, warningsToProto } from './issued-credentials.js';

const empty = (s: string): string | null => (s === '' ? null : s);

function batchKey(k: BatchKey | undefined): BatchKeyInput | undefined {
  switch (k?.key.case) {
    case 'hex':
      return k.key.value;
    case 'wrapped':
      return { kekLabel: k.key.value.kekLabel, wrapped: k.key.value.wrapped };
    default:
      return undefined;
  }
}

/** NetIDs travel as bytes; the domain spells them as hex. */
const netIdsFrom = (req: { readonly netIds: readonly Uint8Array[] }): string[] => req.netIds.map(bytesToHex);
const netIdsToProto = (netIds: readonly string[]) => ({ netIds: netIds.map(hexToBytes) });

const resetToProto = (r: DevNonceResetRecord) => ({
  actor: r.actor,
  reason: r.reason,
  time: timestampFromMs(r.time),
  lastDevNonce: r.lastDevNonce,
  historySize: r.historySize,
});
const accountToProto = (a: AccountRecord) => ({
  id: a.id,
  name: a.name,
  createdAt: timestampFromDate(new Date(a.createdAt)),
});

const apiKeyToProto = (k: ApiKeyRecord & { readonly lastUsedAt?: string | null }) => ({
  id: k.id,
  accountId: k.accountId ?? '',
  scope: scopeToProto(k.scope),
  name: k.name,
  createdAt: timestampFromDate(new Date(k.createdAt)),
  revoked: k.revoked,
  scopes: [...(k.scopes ?? ['admin'])],
  ...isoTimestamp('expiresAt', k.expiresAt),
  ...isoTimestamp('lastUsedAt', k.lastUsedAt),
  ...isoTimestamp('revokedAt', k.revokedAt),
});

/**
 * The gRPC face of the claims use cases. Management methods take the caller's Principal from the request's
 * `principal` field (set by the console after Authenticate); gateway methods take the peer's credential.
 */
export function claimsServiceImpl(claims: Claims): ServiceImpl<typeof ClaimsService> {
  const { accounts, devices, peers, gateway } = claims;
  return {
    async createAccount(req) {
      const r = await accounts.createAccount(principalFromProto(req.principal), req.name);
      return { account: accountToProto(r.account), apiKey: r.apiKey, apiKeyId: r.apiKeyId };
    },
    async getAccount(req) {
      return {
        account: accountToProto(await accounts.getAccount(principalFromProto(req.principal), req.accountId)),
      };
    },
    async listAccounts(req) {
      return {
        accounts: (await accounts.listAccounts(principalFromProto(req.principal))).map(accountToProto),
      };
    },
    async createApiKey(req) {
      const r = await accounts.createApiKey(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        scope: scopeFromProto(req.scope),
        name: req.name,
        scopes: req.scopes,
        expiresAt: req.expiresAt === undefined ? null : timestampDate(req.expiresAt),
      });
      return { apiKey: apiKeyToProto(r.record), key: r.key };
    },
    async listApiKeys(req) {
      return {
        apiKeys: (await accounts.listApiKeys(principalFromProto(req.principal), empty(req.accountId))).map(
          apiKeyToProto,
        ),
      };
    },
    async revokeApiKey(req) {
      await accounts.revokeApiKey(principalFromProto(req.principal), req.apiKeyId);
      return {};
    },
    async authenticate(req) {
      return { principal: principalToProto(await accounts.identify(req.token)) };
    },

    async importBatch(req) {
      const principal = principalFromProto(req.principal);
      if (req.csv !== '' && req.devices.length > 0)
        throw claimsErrors.invalid_argument({ field: 'csv', reason: 'give devices or csv, not both' });
      const rows: BatchRowInput[] =
        req.csv !== ''
          ? parseBatchCsv(req.csv)
          : req.devices.map((d) => ({
              devEui: d.devEui,
              joinEui: d.joinEui,
              macVersion: d.macVersion,
              nwkKey: batchKey(d.nwkKey),
              appKey: batchKey(d.appKey),
              claimCode: d.claimCode,
            }));
      const r = await devices.importBatch(principal, {
        rows,
        joinEui: empty(req.joinEui),
        manufacturer: req.manufacturer,
        batchId: empty(req.batchId),
        includeQrCodes: req.includeQrCodes,
        profileId: empty(req.profileId),
      });
      return { imported: r.imported, batchId: r.batchId, qrCodes: r.qrCodes };
    },
    async registerTransportKek(req) {
      const key = await devices.registerTransportKek(
        principalFromProto(req.principal),
        req.label,
        req.key.length === 0 ? null : req.key,
      );
      return { label: req.label, key };
    },
    async getQrCode(req) {
      return {
        payload: await devices.qrCode(
          principalFromProto(req.principal),
          bytesToHex(req.devEui),
          req.claimCode,
          empty(req.profileId),
        ),
      };
    },

    async getDevice(req) {
      return {
        device: deviceToProto(
          await devices.getDevice(principalFromProto(req.principal), bytesToHex(req.devEui)),
        ),
      };
    },
    async resetDevNonces(req) {
      const reset = await devices.resetDevNonces(
        principalFromProto(req.principal),
        bytesToHex(req.devEui),
        req.reason,
      );
      return { reset: resetToProto(reset) };
    },
    async getNonceState(req) {
      const state = await devices.nonceState(principalFromProto(req.principal), bytesToHex(req.devEui));
      return {
        joinNonce: state.joinNonce,
        lastDevNonce: state.lastDevNonce,
        devNonceHistorySize: state.devNonceHistorySize,
        sessionCount: state.sessionCount,
        resets: state.resets.map(resetToProto),
      };
    },
    async setDeviceRoaming(req) {
      const eui = bytesToHex(req.devEui);
      return netIdsToProto(await devices.setRoaming(principalFromProto(req.principal), eui, netIdsFrom(req)));
    },
    async getDeviceRoaming(req) {
      return netIdsToProto(await devices.roaming(principalFromProto(req.principal), bytesToHex(req.devEui)));
    },
    async setAccountRoaming(req) {
      const account = empty(req.accountId);
      return netIdsToProto(
        await accounts.setRoaming(principalFromProto(req.principal), account, netIdsFrom(req)),
      );
    },
    async getAccountRoaming(req) {
      return netIdsToProto(await accounts.roaming(principalFromProto(req.principal), empty(req.accountId)));
    },
    async listDevices(req) {
      const page = await devices.listDevices(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        batchId: empty(req.batchId),
        pageSize: req.pageSize,
        pageToken: empty(req.pageToken),
        query: deviceQueryFromProto(req),
      });
      return { devices: page.devices.map(deviceToProto), nextPageToken: page.next ?? '' };
    },
    async claim(req) {
      const device = await devices.claim(principalFromProto(req.principal), {
        devEui: bytesToHex(req.devEui),
        claimCode: req.claimCode,
        networkServerId: req.networkServerId,
        applicationServerId: empty(req.applicationServerId),
        joinEui: req.joinEui.length === 0 ? null : bytesToHex(req.joinEui),
      });
      return { device: deviceToProto(device) };
    },
    async unclaim(req) {
      await devices.unclaim(principalFromProto(req.principal), bytesToHex(req.devEui));
      return {};
    },
    async transferDevice(req) {
      const device = await devices.transfer(principalFromProto(req.principal), {
        devEui: bytesToHex(req.devEui),
        networkServerId: req.networkServerId,
        applicationServerId: empty(req.applicationServerId),
      });
      return { device: deviceToProto(device) };
    },
    async lockDevice(req) {
      return {
        device: deviceToProto(
          await devices.lock(principalFromProto(req.principal), bytesToHex(req.devEui), req.reason),
        ),
      };
    },
    async unlockDevice(req) {
      return {
        device: deviceToProto(
          await devices.unlock(principalFromProto(req.principal), bytesToHex(req.devEui)),
        ),
      };
    },

    async registerNetworkServer(req) {
      const r = await peers.registerNetworkServer(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        name: req.name,
        netId: bytesToHex(req.netId),
        nsId: optionalHex(req.nsId),
        kekLabel: empty(req.kekLabel),
        appSKeyDelivery: appSKeyDeliveryFromProto(req.appSKeyDelivery),
        lifetime: req.lifetime,
        asyncUrl: empty(req.asyncUrl),
        plaintextNwkKeys: req.plaintextNwkKeys,
        asyncCaPem: empty(req.asyncCaPem),
        product: productFromProto(req.product),
      });
      return { ...issuedPeerToProto(r), warnings: warningsToProto(r.warnings) };
    },
    async registerApplicationServer(req) {
      const r = await peers.registerApplicationServer(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        name: req.name,
        asId: req.asId,
        kekLabel: empty(req.kekLabel),
      });
      return issuedPeerToProto(r);
    },
    async getPeer(req) {
      return { peer: peerToProto(await peers.getPeer(principalFromProto(req.principal), req.peerId)) };
    },
    async listPeers(req) {
      const list = await peers.listPeers(
        principalFromProto(req.principal),
        empty(req.accountId),
        peerKindFromProto(req.kind),
      );
      return { peers: list.map(peerToProto) };
    },
    async revokePeerCredentials(req) {
      const fresh = await peers.revokeCredentials(principalFromProto(req.principal), req.peerId, req.reissue);
      return fresh === null ? {} : issuedCredentialsToProto(fresh);
    },

    async authenticatePeer(req) {
      return {
        peer: peerIdentityToProto(await gateway.authenticatePeer(credentialFromProto(req.credential))),
      };
    },
    async authorize(req) {
      // A call without any credential is a wrong call, not a caller to answer: the gateway never makes one.
      if (req.credential?.credential.case === undefined) throw claimsErrors.not_authorized();
      const answer = await gateway.authorize({
        joinEui: bytesToHex(req.joinEui),
        devEui: bytesToHex(req.devEui),
        credential: credentialFromProto(req.credential),
        senderNetId: bytesToHex(req.senderNetId),
        senderNsId: optionalHex(req.senderNsId),
      });
      return authorizeOutcomeToProto(answer);
    },
    async authorizeApplicationServer(req) {
      const auth = await gateway.authorizeApplicationServer({
        joinEui: bytesToHex(req.joinEui),
        devEui: bytesToHex(req.devEui),
        credential: credentialFromProto(req.credential),
        senderAsId: req.senderAsId,
      });
      return {
        device: deviceContextToProto(auth.device, auth.bindingId),
        applicationServer: peerIdentityToProto(auth.applicationServer),
        kekLabel: auth.kekLabel,
      };
    },
    async recordAppSKeyRelease(req) {
      await claims.audit.recordAppSKeyRelease({
        applicationServerId: req.applicationServerId,
        devEui: bytesToHex(req.devEui),
        sessionKeyId: bytesToHex(req.sessionKeyId),
      });
      return {};
    },
    async getHomeNetwork(req) {
      const home = await gateway.homeNetwork({
        devEui: bytesToHex(req.devEui),
        credential: credentialFromProto(req.credential),
        senderNetId: bytesToHex(req.senderNetId),
        senderNsId: optionalHex(req.senderNsId),
      });
      return {
        netId: hexToBytes(home.netId),
        nsId: home.nsId === null ? new Uint8Array() : hexToBytes(home.nsId),
      };
    },
    async issueServerCertificate(req) {
      const cert = await gateway.issueServerCertificate(req.hostnames);
      return { certPem: cert.certPem, keyPem: cert.keyPem, caCertPem: cert.caCertPem };
    },
    async issueAsyncClientCertificate(req) {
      const cert = await gateway.issueAsyncClientCertificate(bytesToHex(req.joinEui));
      return { certPem: cert.certPem, keyPem: cert.keyPem, caCertPem: cert.caCertPem };
    },

    async applyJoinEvent(req) {
      const e = req.event;
      if (e === undefined) throw claimsErrors.invalid_argument({ field: 'event', reason: 'missing' });
      const applied = await devices.applyJoinEvent({
        eventId: e.eventId,
        devEui: bytesToHex(e.devEui),
        accepted: e.outcome === JoinOutcome.ACCEPTED,
        time: e.time === undefined ? new Date() : timestampDate(e.time),
      });
      return { applied };
    },

    ...accessServiceMethods(claims),
    ...lifecycleServiceImpl(claims),
    ...healthServiceImpl(claims),
  };
}
