import { randomBytes } from 'node:crypto';
import { keysErrors } from '../domain/errors.js';
import { idHex } from '../domain/hex.js';
import type {
  JoinAcceptInput,
  JoinAcceptOutput,
  KeyDelivery,
  KeyEnvelope,
  KeyVault,
  MacVersion,
} from '../domain/key-vault.js';
import {
  AES128Key,
  DevAddr,
  DevNonce,
  EUI64,
  JoinNonce,
  JoinReqType,
  NetID,
  buildJoinAccept,
  deriveJsKeys,
  keyUnwrap,
  keyWrap,
  verifyJoinRequestMic,
  verifyRejoinMic,
} from '@joinery/lorawan';
import { aesCmac, aesEncrypt, concat, le, pad16, u16le } from './lorawan-crypto.js';

/**
 * An in-memory KeyVault for the keys service's own tests, built on the libs/lorawan software crypto (the spec
 * digest §6 derivations). It counts calls so tests can check that a refused join never reached `buildJoinAccept`.
 */
export interface FakeKeyVault extends KeyVault {
  readonly calls: { buildJoinAccept: number; verifyJoinRequestMic: number };
}

export function createFakeKeyVault(): FakeKeyVault {
  const roots = new Map<string, { nwkKey: AES128Key; appKey?: AES128Key }>();
  const keks = new Map<string, Uint8Array>();
  const calls = { buildJoinAccept: 0, verifyJoinRequestMic: 0 };

  const root = (devEui: Uint8Array) => {
    const keys = roots.get(idHex(devEui));
    if (keys === undefined) throw keysErrors.unknown_device();
    return keys;
  };
  const kek = (label: string) => {
    const key = keks.get(label);
    if (key === undefined) throw keysErrors.unknown_kek({ label });
    return key;
  };
  const deliver = (key: AES128Key, delivery: KeyDelivery): KeyEnvelope =>
    'kekLabel' in delivery
      ? { kekLabel: delivery.kekLabel, key: keyWrap(kek(delivery.kekLabel), key) }
      : { key: key.bytes() };
  const put = (
    devEui: Uint8Array,
    nwkKey: Uint8Array,
    appKey: Uint8Array | undefined,
    overwrite: boolean,
  ) => {
    if (!overwrite && roots.has(idHex(devEui))) throw keysErrors.root_keys_exist();
    const nwk = AES128Key.fromBytes(nwkKey);
    roots.set(
      idHex(devEui),
      appKey === undefined ? { nwkKey: nwk } : { nwkKey: nwk, appKey: AES128Key.fromBytes(appKey) },
    );
  };
  const joinReqTypes = {
    join: JoinReqType.joinRequest,
    rejoin0: JoinReqType.rejoin0,
    rejoin1: JoinReqType.rejoin1,
    rejoin2: JoinReqType.rejoin2,
  };

  return {
    calls,
    async importRootKeys(input) {
      put(input.devEui, input.nwkKey, input.appKey, input.overwrite);
    },
    async importWrappedRootKeys(input) {
      const k = kek(input.transportKekLabel);
      put(
        input.devEui,
        keyUnwrap(k, input.wrappedNwkKey),
        input.wrappedAppKey && keyUnwrap(k, input.wrappedAppKey),
        input.overwrite,
      );
    },
    async hasRootKeys(devEui) {
      return roots.has(idHex(devEui));
    },
    async deleteRootKeys(devEui) {
      roots.delete(idHex(devEui));
    },
    async createKek(label, options) {
      const key = options.key ?? new Uint8Array(randomBytes((options.bits ?? 128) / 8));
      keks.set(label, key);
      return options.purpose === 'storage' ? new Uint8Array(0) : key;
    },
    async hasKek(label) {
      return keks.has(label);
    },
    async deleteKek(label) {
      keks.delete(label);
    },
    async verifyJoinRequestMic(devEui, _macVersion: MacVersion, phy) {
      calls.verifyJoinRequestMic += 1;
      return verifyJoinRequestMic(root(devEui).nwkKey, phy);
    },
    async verifyRejoinType1Mic(devEui, phy) {
      return verifyRejoinMic(deriveJsKeys(root(devEui).nwkKey, EUI64.fromBytes(devEui)).jsIntKey, phy);
    },
    async buildJoinAccept(input: JoinAcceptInput): Promise<JoinAcceptOutput> {
      calls.buildJoinAccept += 1;
      const { nwkKey, appKey } = root(input.devEui);
      const optNeg = input.macVersion === '1.1' && input.optNeg;
      const built = buildJoinAccept(
        {
          macVersion: input.macVersion,
          optNeg,
          joinReqType: joinReqTypes[input.joinType],
          nwkKey,
          ...(appKey === undefined ? {} : { appKey }),
          devEui: EUI64.fromBytes(input.devEui),
          joinEui: EUI64.fromBytes(input.joinEui),
          devNonce: DevNonce.of(input.devNonce),
        },
        {
          joinNonce: JoinNonce.of(input.joinNonce),
          netId: NetID.fromBytes(input.netId),
          devAddr: DevAddr.fromBytes(input.devAddr),
          dlSettings: input.dlSettings,
          rxDelay: input.rxDelay,
          cfList: input.cfList,
        },
      );
      const keys = built.sessionKeys;
      const appSKey =
        input.appSKeyDelivery === undefined ? {} : { appSKey: deliver(keys.appSKey, input.appSKeyDelivery) };
      const storedAppSKey = keyWrap(kek(input.storageKekLabel), keys.appSKey);
      if (!keys.optNeg)
        return {
          joinAcceptPhy: built.phyPayload,
          nwkSKey: deliver(keys.nwkSKey, input.nwkKeyDelivery),
          ...appSKey,
          storedAppSKey,
        };
      return {
        joinAcceptPhy: built.phyPayload,
        fNwkSIntKey: deliver(keys.fNwkSIntKey, input.nwkKeyDelivery),
        sNwkSIntKey: deliver(keys.sNwkSIntKey, input.nwkKeyDelivery),
        nwkSEncKey: deliver(keys.nwkSEncKey, input.nwkKeyDelivery),
        ...appSKey,
        storedAppSKey,
      };
    },
    async rewrapStoredKey(label, stored, delivery) {
      return deliver(AES128Key.fromBytes(keyUnwrap(kek(label), stored)), delivery);
    },
    async close() {},
  };
}

/** Builds a join-request PHYPayload with a valid MIC (EUIs big-endian display order). */
export function joinRequestPhy(
  rootKey: Uint8Array,
  joinEui: Uint8Array,
  devEui: Uint8Array,
  devNonce: number,
): Uint8Array {
  const body = concat([0x00], le(joinEui), le(devEui), u16le(devNonce));
  return concat(body, aesCmac(rootKey, body).subarray(0, 4));
}

/** Builds a rejoin-request type 1 with a valid JSIntKey MIC. */
export function rejoinType1Phy(
  nwkKey: Uint8Array,
  joinEui: Uint8Array,
  devEui: Uint8Array,
  rjCount1: number,
): Uint8Array {
  const body = concat([0xc0, 0x01], le(joinEui), le(devEui), u16le(rjCount1));
  const jsIntKey = aesEncrypt(nwkKey, pad16(concat([0x06], le(devEui))));
  return concat(body, aesCmac(jsIntKey, body).subarray(0, 4));
}

/** Builds a rejoin-request type 0 or 2 (its MIC is the NS's business; zeros here). */
export function rejoinType02Phy(
  type: 0 | 2,
  netId: Uint8Array,
  devEui: Uint8Array,
  rjCount0: number,
): Uint8Array {
  return concat([0xc0, type], le(netId), le(devEui), u16le(rjCount0), [0, 0, 0, 0]);
}

/** Decrypts a 1.0.x join-accept (OptNeg = 0) with the root key: the plaintext fields and whether the MIC holds. */
export function openJoinAccept10(
  rootKey: Uint8Array,
  phy: Uint8Array,
): { plain: Uint8Array; micOk: boolean } {
  const decrypted = aesEncrypt(rootKey, phy.subarray(1));
  const plain = decrypted.subarray(0, decrypted.length - 4);
  const mic = aesCmac(rootKey, concat([phy[0]!], plain)).subarray(0, 4);
  return { plain, micOk: mic.every((v, i) => v === decrypted[decrypted.length - 4 + i]) };
}
