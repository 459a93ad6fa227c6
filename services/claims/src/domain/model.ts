/** LoRaWAN MAC versions a device can be provisioned with (canonical spelling): declared once, in libs/lorawan. */
import type { MacVersion } from '@joinery/lorawan';
import type { ApiScope } from './access-model.js';

export { macVersions, type MacVersion } from '@joinery/lorawan';

export type Scope = 'admin' | 'owner';

/** Who calls a management use case. `accountId` is null for the admin token. */
export interface Principal {
  readonly accountId: string | null;
  readonly scope: Scope;
  readonly apiKeyId: string;
}

export type DeviceState = 'unclaimed' | 'claimed' | 'locked';

export type DeviceChange =
  | {
      readonly kind: 'imported';
      readonly joinEui: string;
      readonly batchId: string;
      readonly macVersion: MacVersion;
    }
  | {
      readonly kind: 'claimed';
      readonly accountId: string;
      readonly networkServerId: string;
      readonly applicationServerId: string | null;
    }
  | { readonly kind: 'unclaimed'; readonly accountId: string }
  | {
      readonly kind: 'transferred';
      readonly accountId: string;
      readonly fromNetworkServerId: string;
      readonly toNetworkServerId: string;
    }
  | { readonly kind: 'locked'; readonly reason: string }
  | { readonly kind: 'unlocked' };

/** A device event waiting in the device's outbox (topic joinery.devices.v1). */
export interface DeviceEventRecord {
  readonly eventId: string;
  readonly devEui: string;
  /** ISO 8601. */
  readonly time: string;
  readonly change: DeviceChange;
}

/**
 * A device as stored. EUIs are 16 upper-case hex digits, big-endian. Timestamps are ISO 8601 strings. `rev` grows
 * with every change (optimistic concurrency). `outbox` holds the events of changes not yet published: they are
 * written in the same atomic step as the change itself.
 */
export interface DeviceRecord {
  readonly rev: number;
  readonly devEui: string;
  readonly joinEui: string;
  readonly macVersion: MacVersion;
  /** `scrypt$<log2N>$<r>$<p>$<salt b64>$<hash b64>`; never returned by any API. */
  readonly claimCodeHash: string;
  readonly batchId: string;
  readonly manufacturer: string;
  readonly state: DeviceState;
  readonly lockReason: string | null;
  readonly accountId: string | null;
  readonly networkServerId: string | null;
  readonly applicationServerId: string | null;
  readonly claimedAt: string | null;
  /**
   * Activation facts, kept by accepted join events (`ClaimsStore.recordJoins`) only: `updateDevice` keeps the stored
   * ones whatever its `change` returns.
   */
  readonly activated: boolean;
  readonly joinCount: number;
  readonly lastJoinAt: string | null;
  readonly outbox: readonly DeviceEventRecord[];
  readonly createdAt: string;
  /**
   * Roaming agreements of the owner for this device: NetIDs (6 hex, ascending) whose registered NSs get the home
   * network on HomeNSReq. Cleared when the device changes owner; absent in records from before it existed.
   */
  readonly roamingNetIds?: readonly string[];
}

/** A device as claimed and bound: everything but the activation facts (`ClaimsStore.getDeviceBinding`). */
export type DeviceBinding = Omit<DeviceRecord, 'activated' | 'joinCount' | 'lastJoinAt'>;

export interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  /** Roaming agreements for every device of the account (as `DeviceRecord.roamingNetIds`). */
  readonly roamingNetIds?: readonly string[];
}

export interface ApiKeyRecord {
  readonly id: string;
  /** Null for admin-scoped keys not tied to an account. */
  readonly accountId: string | null;
  readonly scope: Scope;
  readonly name: string;
  /** SHA-256 (hex) of the key. */
  readonly keyHash: string;
  readonly createdAt: string;
  readonly revoked: boolean;
  /** What the key may do in its account; absent in keys from before scopes: `['admin']`. */
  readonly scopes?: readonly ApiScope[];
  /** ISO 8601; refused from then on. Absent or null: never expires. */
  readonly expiresAt?: string | null;
  readonly revokedAt?: string | null;
}

export type PeerKind = 'network-server' | 'application-server';
export type AppSKeyDelivery = 'wrapped' | 'plaintext' | 'session-key-id';
/** The network server product an NS registration is for (it picks the defaults that product needs). */
export type NetworkServerProduct = 'chirpstack' | 'the-things-stack' | 'other';

export interface PeerCredentialRecord {
  readonly kind: 'certificate' | 'bearer-token';
  /** SHA-256 (hex) of the DER certificate or of the token. */
  readonly hash: string;
  readonly createdAt: string;
  readonly revoked: boolean;
  /**
   * The end of a rotation's overlap (ISO 8601): refused from then on. Absent or null: until revoked. Absent in
   * records from before rotations existed.
   */
  readonly expiresAt?: string | null;
  /**
   * The KEK label issued together with this credential: network keys for a caller authenticated with it are wrapped
   * under it (so an NS still on its old certificate or token gets its old KEK during the overlap). Absent: the
   * peer's current `kekLabel`.
   */
  readonly kekLabel?: string | null;
}

export interface PeerRecord {
  readonly rev: number;
  readonly id: string;
  readonly kind: PeerKind;
  readonly accountId: string;
  readonly name: string;
  /** NS: NetID (6 hex) and NSID (16 hex or null). AS: the AS-ID. */
  readonly netId: string | null;
  readonly nsId: string | null;
  readonly asId: string | null;
  readonly kekLabel: string;
  readonly appSKeyDelivery: AppSKeyDelivery;
  readonly plaintextNwkKeys: boolean;
  readonly lifetime: number;
  readonly asyncUrl: string | null;
  /**
   * NS: PEM certificates of the CA behind the asyncUrl server's certificate, trusted besides the system store.
   * Absent in records from before it existed.
   */
  readonly asyncCaPem?: string | null;
  /** NS: the product registered for (absent: not said). */
  readonly product?: NetworkServerProduct | null;
  readonly credentials: readonly PeerCredentialRecord[];
  readonly createdAt: string;
  /** Set once the owner revoked the peer (ISO 8601): every credential is refused and the API shows it no more. */
  readonly revokedAt?: string | null;
  /** The label of the first KEK, which rotated labels extend (`<label>-r<n>`); absent before the first rotation. */
  readonly baseKekLabel?: string | null;
  readonly rotations?: number;
  /** The end of the last rotation's overlap and the KEK label the previous credentials use until then. */
  readonly overlapUntil?: string | null;
  readonly previousKekLabel?: string | null;
}

/**
 * A credentials archive waiting for its one download: sealed under the claims seal key, bound to its id. `sealed`
 * becomes null once downloaded; the record stays until expiry so a second download is told it is gone.
 */
export interface BundleRecord {
  readonly id: string;
  readonly accountId: string;
  readonly peerId: string;
  readonly sealed: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly takenAt: string | null;
  /** The token of the peer's bundle slot it holds (released when it is taken); absent on records of older releases. */
  readonly slot?: string;
}

/** One join of a device as its join event told it (the last few kept per device, newest first). */
export interface JoinActivityRecord {
  readonly eventId: string;
  readonly time: string;
  readonly accepted: boolean;
  readonly resultCode: string;
  readonly errorCode: string;
  /** The owner account and bound NS the join was decided for ('' when refused before they were known). */
  readonly accountId: string;
  readonly networkServerId: string;
  readonly netId: string;
  readonly kind: 'join-request' | 'rejoin-0' | 'rejoin-1' | 'rejoin-2' | 'unknown';
  /** The DevNonce (or RJcount of a rejoin); null or absent (records from before it was kept) when unknown. */
  readonly devNonce?: number | null;
}

/** Joinery's certificate authority (ECDSA P-256), created on first start. */
export interface CaRecord {
  readonly certPem: string;
  /**
   * The PKCS#8 (DER) private key sealed under the claims seal key: `v1:<base64 IV>:<base64 ciphertext and tag>`
   * (AES-256-GCM, additional data bound to this certificate; `adapters/x509/ca-key-seal.ts`).
   */
  readonly keySealed: string;
}
