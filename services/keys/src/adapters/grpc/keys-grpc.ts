import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@joinery/grpc';
import { macVersionFromProto } from '@joinery/wire';
import type { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import {
  DevNonceResetSchema,
  KekPurpose,
  type AppSKeyDelivery as ProtoAppSKeyDelivery,
  type DeviceContext as ProtoDeviceContext,
  type JoinRequestFields as ProtoJoinRequestFields,
  type KeyDelivery as ProtoKeyDelivery,
  type KeyEnvelopeSchema,
  type PeerSettings as ProtoPeerSettings,
  type RootKeys,
  VaultStatus,
} from '@joinery/proto/keys/v1/keys_pb';
import { keysErrors } from '../../domain/errors.js';
import { getAppSKey } from '../../domain/get-app-s-key.js';
import { handleJoin } from '../../domain/handle-join.js';
import { handleRejoin } from '../../domain/handle-rejoin.js';
import { idHex } from '../../domain/hex.js';
import { importRootKeys, type RootKeysImport } from '../../domain/import-root-keys.js';
import type { JoinAnswer, JoinContext, KeysDomainDeps, PeerSettings } from '../../domain/join-pipeline.js';
import { createKek, deleteKek, rotateKek, type KekRequest } from '../../domain/keks.js';
import type { KeyDelivery, KeyEnvelope } from '../../domain/key-vault.js';
import type { DevNonceReset } from '../../domain/ports.js';
import { outboxBacklog } from '../../domain/outbox-backlog.js';
import { recordRefusal } from '../../domain/record-refusal.js';
import { resetDevNonces } from '../../domain/reset-dev-nonces.js';
import { vaultHealth } from '../../domain/vault-health.js';

const malformed = (field: string) => keysErrors.malformed_request({ field });

function bytesOf(value: Uint8Array, field: string, ...lengths: number[]): Uint8Array {
  if (!lengths.includes(value.length)) throw malformed(field);
  return value;
}

function keyDelivery(delivery: ProtoKeyDelivery | undefined, field: string): KeyDelivery {
  const method = delivery?.method;
  if (method?.case === 'kekLabel' && method.value !== '') return { kekLabel: method.value };
  if (method?.case === 'plaintext' && method.value) return { plaintext: true };
  throw malformed(field);
}

function appSKeyDelivery(delivery: ProtoAppSKeyDelivery | undefined): PeerSettings['appSKeyDelivery'] {
  const method = delivery?.method;
  if (method?.case === 'kekLabel' && method.value !== '') return { kekLabel: method.value };
  if (method?.case === 'plaintext' && method.value) return { plaintext: true };
  if (method?.case === 'sessionKeyIdOnly' && method.value) return { sessionKeyIdOnly: true };
  throw malformed('peer.app_s_key_delivery');
}

function integer(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw malformed(field);
  return value;
}

export function joinContext(
  device: ProtoDeviceContext | undefined,
  request: ProtoJoinRequestFields | undefined,
  peer: ProtoPeerSettings | undefined,
): JoinContext {
  if (device === undefined) throw malformed('device');
  if (request === undefined) throw malformed('request');
  if (peer === undefined) throw malformed('peer');
  return {
    device: {
      devEui: bytesOf(device.devEui, 'device.dev_eui', 8),
      joinEui: bytesOf(device.joinEui, 'device.join_eui', 8),
      macVersion: macVersionFromProto(device.macVersion),
      accountId: device.accountId,
      networkServerId: device.networkServerId,
      bindingId: device.bindingId,
    },
    request: {
      phyPayload: request.phyPayload,
      devAddr: bytesOf(request.devAddr, 'request.dev_addr', 4),
      netId: bytesOf(request.netId, 'request.net_id', 3),
      nsId: bytesOf(request.nsId, 'request.ns_id', 0, 8),
      dlSettings: integer(request.dlSettings, 0xff, 'request.dl_settings'),
      rxDelay: integer(request.rxDelay, 15, 'request.rx_delay'),
      cfList: bytesOf(request.cfList, 'request.cf_list', 0, 16),
      protocolVersion: request.protocolVersion,
    },
    peer: {
      nwkKeyDelivery: keyDelivery(peer.nwkKeyDelivery, 'peer.nwk_key_delivery'),
      appSKeyDelivery: appSKeyDelivery(peer.appSKeyDelivery),
      optNegAllowed: peer.optNegAllowed,
    },
  };
}

const envelope = (e: KeyEnvelope | undefined): MessageInitShape<typeof KeyEnvelopeSchema> | undefined =>
  e && { kekLabel: e.kekLabel ?? '', key: e.key };

function answerMessage(answer: JoinAnswer) {
  return {
    joinAcceptPhy: answer.joinAcceptPhy,
    nwkSKey: envelope(answer.nwkSKey),
    fNwkSIntKey: envelope(answer.fNwkSIntKey),
    sNwkSIntKey: envelope(answer.sNwkSIntKey),
    nwkSEncKey: envelope(answer.nwkSEncKey),
    appSKey: envelope(answer.appSKey),
    sessionKeyId: answer.sessionKeyId,
    joinNonce: answer.joinNonce,
    eventId: answer.eventId,
    retried: answer.retried,
  };
}

function rootKeysImport(device: RootKeys): RootKeysImport {
  const keys = device.keys;
  const common = {
    devEui: bytesOf(device.devEui, 'dev_eui', 8),
    macVersion: macVersionFromProto(device.macVersion),
    overwrite: device.overwrite,
  };
  if (keys.case === 'plain')
    return { ...common, keys: { plain: { nwkKey: keys.value.nwkKey, appKey: keys.value.appKey } } };
  if (keys.case === 'wrapped') {
    const w = keys.value;
    if (w.transportKekLabel === '') throw malformed('wrapped.transport_kek_label');
    return {
      ...common,
      keys: {
        wrapped: {
          transportKekLabel: w.transportKekLabel,
          wrappedNwkKey: w.wrappedNwkKey,
          wrappedAppKey: w.wrappedAppKey,
        },
      },
    };
  }
  throw malformed('keys');
}

function kekRequest(input: {
  label: string;
  purpose: KekPurpose;
  bits: number;
  key: Uint8Array;
}): KekRequest {
  const purpose =
    input.purpose === KekPurpose.PEER
      ? 'peer'
      : input.purpose === KekPurpose.TRANSPORT
        ? 'transport'
        : undefined;
  if (purpose === undefined) throw malformed('purpose');
  const bits = input.bits === 0 ? 128 : input.bits;
  if (bits !== 128 && bits !== 192 && bits !== 256) throw malformed('bits');
  return { label: input.label, purpose, bits, ...(input.key.length === 0 ? {} : { key: input.key }) };
}

const resetMessage = (reset: DevNonceReset) =>
  create(DevNonceResetSchema, {
    actor: reset.actor,
    reason: reset.reason,
    time: timestampFromMs(reset.time),
    lastDevNonce: reset.lastDevNonce,
    historySize: reset.historySize,
  });

/** KeysService over gRPC: translation only (proto ⇄ domain); every decision lives in the domain functions. */
export function keysServiceImpl(deps: KeysDomainDeps): ServiceImpl<typeof KeysService> {
  return {
    async importRootKeys(req) {
      if (req.device === undefined) throw malformed('device');
      await importRootKeys(deps, [rootKeysImport(req.device)]);
      return {};
    },
    async importRootKeysBatch(req) {
      return { imported: await importRootKeys(deps, req.devices.map(rootKeysImport)) };
    },
    async deleteRootKeys(req) {
      const devEui = bytesOf(req.devEui, 'dev_eui', 8);
      await deps.vault.deleteRootKeys(devEui);
      deps.logger.warn({ dev_eui: idHex(devEui) }, 'root keys deleted');
      return {};
    },
    async createKek(req) {
      return { key: await createKek(deps, kekRequest(req)) };
    },
    async rotateKek(req) {
      return { key: await rotateKek(deps, kekRequest(req)) };
    },
    async deleteKek(req) {
      await deleteKek(deps, req.label);
      return {};
    },
    async handleJoin(req) {
      return answerMessage(await handleJoin(deps, joinContext(req.device, req.request, req.peer)));
    },
    async handleRejoin(req) {
      const answer = await handleRejoin(deps, joinContext(req.device, req.request, req.peer));
      return { ...answerMessage(answer), kind: answer.kind };
    },
    async getAppSKey(req) {
      const key = await getAppSKey(deps, {
        devEui: bytesOf(req.devEui, 'dev_eui', 8),
        sessionKeyId: bytesOf(req.sessionKeyId, 'session_key_id', 16),
        asId: req.asId,
        delivery: keyDelivery(req.delivery, 'delivery'),
        bindingId: req.bindingId,
      });
      return { appSKey: envelope(key) };
    },
    async resetDevNonces(req) {
      const reset = await resetDevNonces(deps, {
        devEui: bytesOf(req.devEui, 'dev_eui', 8),
        actor: req.actor,
        reason: req.reason,
      });
      return { reset: resetMessage(reset) };
    },
    async getNonceState(req) {
      const state = await deps.state.getNonceState(idHex(bytesOf(req.devEui, 'dev_eui', 8)));
      return {
        joinNonce: state.joinNonce,
        lastDevNonce: state.lastDevNonce,
        devNonceHistorySize: state.devNonceHistory.length,
        lastRjCount1: state.lastRjCount1,
        lastRjCount0: state.lastRjCount0,
        sessionCount: state.sessionCount,
        resets: state.resets.map(resetMessage),
      };
    },
    async recordRefusal(req) {
      const refused = req.event;
      if (refused === undefined) throw malformed('event');
      bytesOf(refused.devEui, 'event.dev_eui', 8);
      bytesOf(refused.joinEui, 'event.join_eui', 0, 8);
      bytesOf(refused.netId, 'event.net_id', 0, 3);
      bytesOf(refused.nsId, 'event.ns_id', 0, 8);
      return { eventId: await recordRefusal(deps, refused) };
    },
    async getOutboxBacklog() {
      const [backlog, vault] = await Promise.all([outboxBacklog(deps.state), vaultHealth(deps.vault)]);
      if (!vault.ok) deps.logger.warn({ reason: vault.reason }, 'key vault health check failed');
      return {
        events: BigInt(backlog.events),
        vaultStatus: vault.ok ? VaultStatus.SERVING : VaultStatus.NOT_SERVING,
        ...(backlog.oldestEventMs === undefined
          ? {}
          : { oldestEventTime: timestampFromMs(backlog.oldestEventMs) }),
      };
    },
  };
}
