import type { MacVersion } from '@joinery/lorawan';

/**
 * The crypto port of the keys service: everything that touches a root key happens behind it, inside the HSM
 * (PKCS#11 adapter) or the software vault (embedded mode). No method ever returns a root key, and session keys
 * leave only as envelopes: wrapped under a named KEK, or plaintext when the caller explicitly asked for it.
 *
 * Byte conventions: EUIs, NetID, DevAddr are given as `Uint8Array` in big-endian display order (as written in
 * consoles and BI JSON); adapters reverse them to wire order themselves with the libs/lorawan block builders.
 * Numbers (DevNonce, JoinNonce, RJcount) are plain integers.
 */

export type { MacVersion };

/** Which kind of request a join-accept answers (LoRaWAN 1.1 JoinReqType: 0xFF join, 0x00/0x01/0x02 rejoin). */
export type JoinType = 'join' | 'rejoin0' | 'rejoin1' | 'rejoin2';

/** Where a session key goes: wrapped (RFC 3394) under the KEK with this label, or in clear. */
export type KeyDelivery = { readonly kekLabel: string } | { readonly plaintext: true };

/** A session key as it leaves the vault: `kekLabel` set means `key` is the RFC 3394-wrapped form. */
export interface KeyEnvelope {
  readonly kekLabel?: string;
  readonly key: Uint8Array;
}

export type KekPurpose = 'peer' | 'transport' | 'storage';

export interface ImportRootKeys {
  readonly devEui: Uint8Array;
  /** LoRaWAN 1.1 NwkKey, or the single AppKey of a 1.0.x device (always set). */
  readonly nwkKey: Uint8Array;
  /** LoRaWAN 1.1 AppKey; absent for 1.0.x devices. */
  readonly appKey?: Uint8Array;
  readonly overwrite: boolean;
}

export interface ImportWrappedRootKeys {
  readonly devEui: Uint8Array;
  /** Transport KEK under which the manufacturer wrapped the keys (RFC 3394); unwrapped inside the vault. */
  readonly transportKekLabel: string;
  readonly wrappedNwkKey: Uint8Array;
  readonly wrappedAppKey?: Uint8Array;
  readonly overwrite: boolean;
}

export interface JoinAcceptInput {
  readonly devEui: Uint8Array;
  readonly joinEui: Uint8Array;
  readonly macVersion: MacVersion;
  readonly joinType: JoinType;
  /** DevNonce for a join-request; RJcount0 (types 0/2) or RJcount1 (type 1) for a rejoin. */
  readonly devNonce: number;
  /** Already reserved and persisted by the state store before this call. */
  readonly joinNonce: number;
  readonly netId: Uint8Array;
  readonly devAddr: Uint8Array;
  /** DLSettings byte from the NS; the vault sets/clears OptNeg (bit 7) itself from macVersion and optNeg. */
  readonly dlSettings: number;
  readonly rxDelay: number;
  /** 16 CFList bytes in wire order, or absent. */
  readonly cfList?: Uint8Array;
  /** True when a 1.1 device is answered with the 1.1 scheme (OptNeg = 1); false answers a 1.1 device as 1.0. */
  readonly optNeg: boolean;
  /** Delivery of the network session keys to the NS. */
  readonly nwkKeyDelivery: KeyDelivery;
  /** Delivery of the AppSKey in the answer; `undefined` leaves it out (SessionKeyID-only delivery). */
  readonly appSKeyDelivery?: KeyDelivery;
  /** Label of the storage KEK under which the AppSKey is kept for later AppSKeyReq (never leaves the vault). */
  readonly storageKekLabel: string;
}

export interface JoinAcceptOutput {
  /** MHDR | encrypted(JoinNonce … CFList | MIC): the PHYPayload the NS sends to the device. */
  readonly joinAcceptPhy: Uint8Array;
  /** 1.0.x and 1.1 with OptNeg = 0: NwkSKey. 1.1 with OptNeg = 1: FNwkSIntKey, SNwkSIntKey, NwkSEncKey. */
  readonly nwkSKey?: KeyEnvelope;
  readonly fNwkSIntKey?: KeyEnvelope;
  readonly sNwkSIntKey?: KeyEnvelope;
  readonly nwkSEncKey?: KeyEnvelope;
  /** The AppSKey per `appSKeyDelivery`, absent when none was asked for. */
  readonly appSKey?: KeyEnvelope;
  /** The AppSKey wrapped under the storage KEK, to keep with the session for GetAppSKey. */
  readonly storedAppSKey: Uint8Array;
}

export interface KeyVault {
  /**
   * Runs a batch of imports (`fn`) against one view of the vault's objects taken at its start, so that existence
   * checks do not each search the HSM (a linear scan of the token on SoftHSM2). Vaults with cheap lookups leave it
   * out. While it runs, `hasRootKeys` may miss root keys another process created after the view was taken.
   */
  importBatch?<T>(fn: () => Promise<T>): Promise<T>;
  importRootKeys(input: ImportRootKeys): Promise<void>;
  importWrappedRootKeys(input: ImportWrappedRootKeys): Promise<void>;
  hasRootKeys(devEui: Uint8Array): Promise<boolean>;
  deleteRootKeys(devEui: Uint8Array): Promise<void>;

  /**
   * Creates a KEK (AES 128/192/256). With `key` given (a transport KEK supplied by a manufacturer) it is imported;
   * otherwise generated. Returns the key bytes once for `peer`/`transport` KEKs (shown to the peer operator);
   * `storage` KEKs never leave the vault and return an empty array.
   */
  createKek(
    label: string,
    options: { purpose: KekPurpose; bits?: 128 | 192 | 256; key?: Uint8Array },
  ): Promise<Uint8Array>;
  hasKek(label: string): Promise<boolean>;
  deleteKek(label: string): Promise<void>;

  /** Checks the join-request MIC (AppKey for 1.0.x, NwkKey for 1.1) over the 23-byte PHYPayload; false on mismatch. */
  verifyJoinRequestMic(devEui: Uint8Array, macVersion: MacVersion, phyPayload: Uint8Array): Promise<boolean>;
  /** Checks a rejoin-request type 1 MIC (JSIntKey); types 0/2 use a session key the NS verifies. */
  verifyRejoinType1Mic(devEui: Uint8Array, phyPayload: Uint8Array): Promise<boolean>;

  /** Derives the session keys and builds the encrypted join-accept, all inside the vault. */
  buildJoinAccept(input: JoinAcceptInput): Promise<JoinAcceptOutput>;

  /** Unwraps a stored AppSKey inside the vault and hands it out per `delivery` (re-wrapped for an AS, or clear). */
  rewrapStoredKey(storageKekLabel: string, stored: Uint8Array, delivery: KeyDelivery): Promise<KeyEnvelope>;

  /**
   * A cheap check that the vault can serve keys, for the health check: the software vault reads its storage, the
   * PKCS#11 vault asks the token about its session (`C_GetSessionInfo`: still logged in). Rejects when it cannot;
   * `vaultHealth` bounds it in time.
   */
  health(): Promise<void>;

  close(): Promise<void>;
}
