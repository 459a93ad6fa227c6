import {
  DevAddr,
  DevNonce,
  EUI64,
  JoinNonce,
  JoinReqType,
  NetID,
  composeJoinAccept,
  isLoRaWAN11,
  type KeyOps,
  type RootKeyHandles,
} from '@joinery/lorawan';
import type { JoinAcceptInput, JoinAcceptOutput, KeyDelivery, KeyEnvelope } from './key-vault.js';

/**
 * What a vault implements beside the LoRaWAN primitives (`KeyOps`: CMAC, derive, ECB): wrapping a key under a named
 * KEK and, for a key derived readable, its value. Everything else of `KeyVault.buildJoinAccept` is composed here,
 * once for every vault.
 */
export interface VaultPrimitives<K> extends KeyOps<K> {
  /** RFC 3394 wrap of `key` under the KEK with this label (`keys:unknown_kek` when there is none). */
  wrap(kekLabel: string, key: K): Promise<Uint8Array>;
  /** The value of a key derived `readable-session-key`, for a plaintext delivery. */
  reveal(key: K): Uint8Array;
}

const joinReqTypes = {
  join: JoinReqType.joinRequest,
  rejoin0: JoinReqType.rejoin0,
  rejoin1: JoinReqType.rejoin1,
  rejoin2: JoinReqType.rejoin2,
} as const;

const isPlaintext = (delivery: KeyDelivery | undefined): boolean =>
  delivery !== undefined && !('kekLabel' in delivery);

/** A key as it leaves the vault: wrapped under the receiver's KEK, or its value for a plaintext delivery. */
export async function deliverKey<K>(
  prims: VaultPrimitives<K>,
  key: K,
  delivery: KeyDelivery,
): Promise<KeyEnvelope> {
  return 'kekLabel' in delivery
    ? { kekLabel: delivery.kekLabel, key: await prims.wrap(delivery.kekLabel, key) }
    : { key: prims.reveal(key) };
}

/**
 * `KeyVault.buildJoinAccept` over a vault's primitives: the join-accept and session keys (`composeJoinAccept`), each
 * session key delivered per the input, the AppSKey also wrapped under the storage KEK; every derived key is
 * disposed of afterwards. `roots` loads the device's root-key handles (the AppKey only when OptNeg = 1 needs it).
 */
export async function buildJoinAcceptWith<K>(
  prims: VaultPrimitives<K>,
  roots: (needsAppKey: boolean) => Promise<RootKeyHandles<K>>,
  input: JoinAcceptInput,
): Promise<JoinAcceptOutput> {
  const optNeg = isLoRaWAN11(input.macVersion) && input.optNeg;
  const built = composeJoinAccept(
    prims,
    await roots(optNeg),
    {
      macVersion: input.macVersion,
      optNeg,
      joinReqType: joinReqTypes[input.joinType],
      devEui: EUI64.fromBytes(input.devEui),
      joinEui: EUI64.fromBytes(input.joinEui),
      devNonce: DevNonce.of(input.devNonce),
      readableNwkKeys: isPlaintext(input.nwkKeyDelivery),
      readableAppSKey: isPlaintext(input.appSKeyDelivery),
    },
    {
      joinNonce: JoinNonce.of(input.joinNonce),
      netId: NetID.fromBytes(input.netId),
      devAddr: DevAddr.fromBytes(input.devAddr),
      dlSettings: input.dlSettings,
      rxDelay: input.rxDelay,
      ...(input.cfList === undefined ? {} : { cfList: input.cfList }),
    },
  );
  try {
    const keys = built.sessionKeys;
    const network = (key: K) => deliverKey(prims, key, input.nwkKeyDelivery);
    const networkKeys = keys.optNeg
      ? {
          fNwkSIntKey: await network(keys.fNwkSIntKey),
          sNwkSIntKey: await network(keys.sNwkSIntKey),
          nwkSEncKey: await network(keys.nwkSEncKey),
        }
      : { nwkSKey: await network(keys.nwkSKey) };
    return {
      joinAcceptPhy: built.phyPayload,
      ...networkKeys,
      ...(input.appSKeyDelivery === undefined
        ? {}
        : { appSKey: await deliverKey(prims, keys.appSKey, input.appSKeyDelivery) }),
      storedAppSKey: await prims.wrap(input.storageKekLabel, keys.appSKey),
    };
  } finally {
    prims.dispose(built.derived);
  }
}
