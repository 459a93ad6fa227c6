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
  aesCmac,
  aesDecrypt,
  aesEncrypt,
  concat,
  keyUnwrap,
  keyWrap,
  le,
  pad16,
  u16le,
  u24le,
} from './lorawan-crypto.js';

/**
 * An in-memory KeyVault for the keys service's own tests, following the LoRaWAN 1.0.x/1.1 derivations of the spec
 * digest §6. It counts calls so tests can check that a refused join never reached `buildJoinAccept`.
 */
export interface FakeKeyVault extends KeyVault {
  readonly calls: { buildJoinAccept: number; verifyJoinRequestMic: number };
}

export function createFakeKeyVault(): FakeKeyVault {
  const roots = new Map<string, { nwkKey: Uint8Array; appKey?: Uint8Array }>();
  const keks = new Map<string, Uint8Array>();
  const calls = { buildJoinAccept: 0, verifyJoinRequestMic: 0 };

  const root = (devEui: Uint8Array) => {
    const keys = roots.get(idHex(devEui));
    if (keys === undefined) throw keysErrors.unknown_device();
    return keys;
  };
  const kek = (label: string) => {
    const key = keks.get(label);
    if (key === undefined) throw new Error(`unknown KEK ${label}`);
    return key;
  };
  const deliver = (key: Uint8Array, delivery: KeyDelivery): KeyEnvelope =>
    'kekLabel' in delivery
      ? { kekLabel: delivery.kekLabel, key: keyWrap(kek(delivery.kekLabel), key) }
      : { key };
  const put = (
    devEui: Uint8Array,
    nwkKey: Uint8Array,
    appKey: Uint8Array | undefined,
    overwrite: boolean,
  ) => {
    if (!overwrite && roots.has(idHex(devEui))) throw keysErrors.root_keys_exist();
    roots.set(idHex(devEui), appKey === undefined ? { nwkKey } : { nwkKey, appKey });
  };
  const jsKey = (nwkKey: Uint8Array, prefix: number, devEui: Uint8Array) =>
    aesEncrypt(nwkKey, pad16(concat([prefix], le(devEui))));

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
      const mic = aesCmac(root(devEui).nwkKey, phy.subarray(0, 19)).subarray(0, 4);
      return mic.every((v, i) => v === phy[19 + i]);
    },
    async verifyRejoinType1Mic(devEui, phy) {
      const mic = aesCmac(jsKey(root(devEui).nwkKey, 0x06, devEui), phy.subarray(0, 20)).subarray(0, 4);
      return mic.every((v, i) => v === phy[20 + i]);
    },
    async buildJoinAccept(input: JoinAcceptInput): Promise<JoinAcceptOutput> {
      calls.buildJoinAccept += 1;
      const { nwkKey, appKey } = root(input.devEui);
      const optNeg = input.macVersion === '1.1' && input.optNeg;
      const dlSettings = optNeg ? input.dlSettings | 0x80 : input.dlSettings & 0x7f;
      const plain = concat(
        u24le(input.joinNonce),
        le(input.netId),
        le(input.devAddr),
        [dlSettings, input.rxDelay],
        input.cfList ?? [],
      );
      const devNonce = u16le(input.devNonce);
      const jn = u24le(input.joinNonce);
      const storage = kek(input.storageKekLabel);
      if (!optNeg) {
        const mic = aesCmac(nwkKey, concat([0x20], plain)).subarray(0, 4);
        const derive = (p: number) => aesEncrypt(nwkKey, pad16(concat([p], jn, le(input.netId), devNonce)));
        const appSKey = derive(0x02);
        return {
          joinAcceptPhy: concat([0x20], aesDecrypt(nwkKey, concat(plain, mic))),
          nwkSKey: deliver(derive(0x01), input.nwkKeyDelivery),
          ...(input.appSKeyDelivery === undefined
            ? {}
            : { appSKey: deliver(appSKey, input.appSKeyDelivery) }),
          storedAppSKey: keyWrap(storage, appSKey),
        };
      }
      const joinReqType = { join: 0xff, rejoin0: 0x00, rejoin1: 0x01, rejoin2: 0x02 }[input.joinType];
      const mic = aesCmac(
        jsKey(nwkKey, 0x06, input.devEui),
        concat([joinReqType], le(input.joinEui), devNonce, [0x20], plain),
      ).subarray(0, 4);
      const encKey = input.joinType === 'join' ? nwkKey : jsKey(nwkKey, 0x05, input.devEui);
      const derive = (key: Uint8Array, p: number) =>
        aesEncrypt(key, pad16(concat([p], jn, le(input.joinEui), devNonce)));
      const appSKey = derive(appKey ?? nwkKey, 0x02);
      return {
        joinAcceptPhy: concat([0x20], aesDecrypt(encKey, concat(plain, mic))),
        fNwkSIntKey: deliver(derive(nwkKey, 0x01), input.nwkKeyDelivery),
        sNwkSIntKey: deliver(derive(nwkKey, 0x03), input.nwkKeyDelivery),
        nwkSEncKey: deliver(derive(nwkKey, 0x04), input.nwkKeyDelivery),
        ...(input.appSKeyDelivery === undefined ? {} : { appSKey: deliver(appSKey, input.appSKeyDelivery) }),
        storedAppSKey: keyWrap(storage, appSKey),
      };
    },
    async rewrapStoredKey(label, stored, delivery) {
      return deliver(keyUnwrap(kek(label), stored), delivery);
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
