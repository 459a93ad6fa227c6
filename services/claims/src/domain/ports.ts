import type { AccessStore } from './access-model.js';
import type {
  AccountRecord,
  ApiKeyRecord,
  BundleRecord,
  JoinActivityRecord,
  CaRecord,
  DeviceBinding,
  DeviceEventRecord,
  DeviceRecord,
  MacVersion,
  PeerRecord,
} from './model.js';
import type { DeviceQuery } from './device-query.js';
import type { DevNonceReset } from '@joinery/wire';

/** An accepted join of a known device, as the activation facts record it. */
export interface RecordedJoin {
  readonly devEui: string;
  /** As `isStorableEventId` (identifiers.ts) accepts. */
  readonly eventId: string;
  readonly time: Date;
}

export type JoinOutcome = 'applied' | 'duplicate' | 'unknown_device';

export interface DevicePage {
  readonly devices: readonly DeviceRecord[];
  /** The DevEUI to continue after, or null on the last page. */
  readonly next: string | null;
}

/**
 * A budget of attempts: at most `limit` within `windowMs`; once `free` attempts are counted, each next one waits
 * `baseDelayMs`·2^(counted − free) after the last (at most the window): exponential backoff.
 */
export interface AttemptPolicy {
  readonly limit: number;
  readonly windowMs: number;
  readonly free: number;
  readonly baseDelayMs: number;
}

/** `count`: attempts counted after this one (itself included). */
export type AttemptReservation =
  | { readonly granted: true; readonly count: number; readonly token: string }
  | { readonly granted: false; readonly retryAfterMs: number };

/**
 * Everything the claims service keeps. Updates of one record are atomic: `update*` reads the record, calls `change`
 * and writes the result only if nobody changed the record meanwhile (it retries otherwise), so of two racing claims
 * exactly one wins. `change` returns the new record, or `undefined` to leave it as it is; it may throw to abort.
 */
export interface ClaimsStore {
  /** Users, sessions, invitations, memberships, API key use and the audit log (access-model.ts). */
  readonly access: AccessStore;
  getDevice(devEui: string): Promise<DeviceRecord | undefined>;
  /**
   * The device without its activation facts, which live in a record of their own: one read instead of two, for the
   * Backend Interfaces paths (Authorize on every join), which never look at them.
   */
  getDeviceBinding(devEui: string): Promise<DeviceBinding | undefined>;
  /** All or nothing: throws `claims:device_exists` {devEui} when one of them exists already, and stores none. */
  insertDevices(devices: readonly DeviceRecord[]): Promise<void>;
  updateDevice(
    devEui: string,
    change: (current: DeviceRecord) => DeviceRecord | undefined,
  ): Promise<DeviceRecord | undefined>;
  /**
   * Devices of an account or a batch, by ascending DevEUI, after `after`, that match `query` (read from the account's
   * or batch's own index only; a DevEUI prefix starts the read at the prefix and stops after it).
   */
  listDevices(
    filter: { readonly accountId: string } | { readonly batchId: string },
    page: { readonly limit: number; readonly after: string | null },
    query?: DeviceQuery,
  ): Promise<DevicePage>;
  /**
   * Applies accepted join events to their devices' activation facts (`activated`, `joinCount`, `lastJoinAt`), in
   * order, each atomically, and idempotently per event id (at least the last 64 of a device are remembered). One
   * outcome per join, in the same order.
   */
  recordJoins(joins: readonly RecordedJoin[]): Promise<JoinOutcome[]>;
  /** DevEUIs whose outbox is not empty (for the relay's sweep after a restart). */
  devicesWithPendingEvents(): AsyncIterable<string>;

  putAccount(account: AccountRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<readonly AccountRecord[]>;

  putApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(accountId: string | null): Promise<readonly ApiKeyRecord[]>;

  /** Inserts a new peer; throws `claims:invalid_argument` when the id exists. */
  insertPeer(peer: PeerRecord): Promise<void>;
  getPeer(id: string): Promise<PeerRecord | undefined>;
  updatePeer(
    id: string,
    change: (current: PeerRecord) => PeerRecord | undefined,
  ): Promise<PeerRecord | undefined>;
  /** The peer owning an active credential with this hash. */
  findPeerByCredential(hash: string): Promise<PeerRecord | undefined>;
  listPeers(accountId: string | null): Promise<readonly PeerRecord[]>;

  /** Inserts a bundle record; throws `claims:invalid_argument` when the id exists. */
  insertBundle(bundle: BundleRecord): Promise<void>;
  getBundle(id: string): Promise<BundleRecord | undefined>;
  /** Atomic like `update*` (compare-and-swap, retried); undefined when there is no such bundle. */
  updateBundle(
    id: string,
    change: (current: BundleRecord) => BundleRecord | undefined,
  ): Promise<BundleRecord | undefined>;
  /** Empties every bundle expired at `now` (sealed → null) and deletes those expired over `keepMs` ago. */
  sweepBundles(now: Date, keepMs: number): Promise<void>;

  /**
   * Adds join activity to the devices' logs, each atomically: newest first, at most `keep` per device, once per event
   * id (a redelivered event is not added twice).
   */
  recordJoinActivity(
    entries: readonly { readonly devEui: string; readonly activity: JoinActivityRecord }[],
    keep: number,
  ): Promise<void>;
  /** The device's join activity, newest first. */
  joinActivity(devEui: string): Promise<readonly JoinActivityRecord[]>;

  /** Stores the CA unless one exists; returns the one that is stored (first writer wins). */
  ensureCa(candidate: CaRecord): Promise<CaRecord>;
  getCa(): Promise<CaRecord | undefined>;

  /**
   * Reserves one attempt under `key` if `policy` allows it at `nowMs`, atomically (increment-then-check: of racing
   * callers at most what the policy allows are granted). A granted attempt counts until it leaves the window or is
   * released; a refused one is not counted.
   */
  reserveAttempt(key: string, nowMs: number, policy: AttemptPolicy): Promise<AttemptReservation>;
  /** Un-counts a granted attempt (a claim that succeeded was no failure). Idempotent. */
  releaseAttempt(key: string, token: string): Promise<void>;

  close(): Promise<void>;
}

/** Root keys of a device on their way to the keys service; never kept by claims. */
export type RootKeyMaterial =
  | { readonly kind: 'plain'; readonly nwkKey: Uint8Array; readonly appKey: Uint8Array | null }
  | {
      readonly kind: 'wrapped';
      readonly kekLabel: string;
      readonly wrappedNwkKey: Uint8Array;
      readonly wrappedAppKey: Uint8Array | null;
    };

export interface RootKeyImport {
  readonly devEui: string;
  readonly macVersion: MacVersion;
  readonly keys: RootKeyMaterial;
}

export type KekPurpose = 'peer' | 'transport';

/** A DevNonce reset as the keys service recorded it. */
export type DevNonceResetRecord = DevNonceReset;

/** A device's nonce state in the keys service (no secrets). */
export interface NonceState {
  readonly joinNonce: number;
  /** -1: none accepted yet. */
  readonly lastDevNonce: number;
  readonly devNonceHistorySize: number;
  readonly sessionCount: number;
  readonly resets: readonly DevNonceResetRecord[];
}

/** The part of the keys service claims needs. */
export interface KeyCustody {
  /** All or nothing. */
  importRootKeys(batch: readonly RootKeyImport[]): Promise<void>;
  /** Compensation when storing a batch fails after its keys were imported. Idempotent. */
  deleteRootKeys(devEuis: readonly string[]): Promise<void>;
  /** Creates a KEK under `label` (generated, or the supplied key for transport KEKs) and returns its bytes once. */
  createKek(label: string, purpose: KekPurpose, key?: Uint8Array): Promise<Uint8Array>;
  /** Forgets the device's DevNonces; the keys service records `actor` and `reason`. */
  resetDevNonces(devEui: string, actor: string, reason: string): Promise<DevNonceResetRecord>;
  nonceState(devEui: string): Promise<NonceState>;
  /** A cheap call to the key custody (its event outbox); absent: custody is in-process and has none. */
  outboxBacklog?(timeoutMs: number): Promise<OutboxBacklog>;
}

/** Key custody events not yet acknowledged by the bus, and when the oldest happened (Unix ms). */
export interface OutboxBacklog {
  readonly events: number;
  readonly oldestEventMs: number | undefined;
  /** The key vault's own health check, as the keys service reports it; absent: not reported. */
  readonly vault?: 'serving' | 'not_serving';
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 of the DER certificate, lower-case hex. */
  readonly fingerprintSha256: string;
}

/** Joinery's own CA. */
export interface CertificateAuthority {
  caCertPem(): string;
  issueClientCertificate(subject: {
    readonly commonName: string;
    readonly organizationalUnit?: string;
  }): Promise<IssuedCertificate>;
  issueServerCertificate(hostnames: readonly string[]): Promise<IssuedCertificate>;
  /** For the gateway's asynchronous answers: CN = the JoinEUI (upper-case hex), clientAuth only. */
  issueJoinServerClientCertificate(joinEui: string): Promise<IssuedCertificate>;
}

/** Publishes device events (topic joinery.devices.v1, keyed by DevEUI). At-least-once; consumers dedupe on eventId. */
export interface DeviceEventPublisher {
  publish(events: readonly DeviceEventRecord[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** Seals credentials archives for the store (AES-256-GCM under the claims seal key), bound to `context`. */
export interface BundleSeal {
  seal(plaintext: Uint8Array, context: string): string;
  /** Throws when the text was not sealed for `context` with this key. */
  unseal(sealed: string, context: string): Uint8Array;
}
