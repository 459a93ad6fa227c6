import { biErrorCatalogue, type ResultReason } from '@joinery/backend-interfaces';
import { defineErrors, type ErrorKind } from '@joinery/errors';

/**
 * The registry of the error codes that travel between the services: the gateway's own, and claims', keys' and the
 * transport's as they arrive at the gateway over gRPC. Each code is declared here once, with
 * - `kind`: its gRPC status and HTTP status, through the one table of each edge (`statusByKind` in `@joinery/grpc`,
 *   `httpStatusByKind` in the console);
 * - `message`: the text of the error (never key material);
 * - `reason`: the Backend Interfaces result reason the gateway answers the NS with (`resultCodeFor` picks the
 *   ResultCode per protocol version) and that a refused join event records, so the two always say the same;
 * - `description`, optionally: the Description the NS gets, where the reason alone would not say which case it is;
 * - for keys, `joinRefusal`: a refusal decided by the join pipeline, answered and also recorded as a REFUSED
 *   JoinEvent.
 * A missing field is a compile error. The factories (`keysErrors.mic_failed()`) are made from these entries by
 * `defineErrors`; `reasonByErrorCode` and `joinRefusalCodes` are derived from them. docs/errors.md is generated from
 * this registry (`npm run errors:generate`) and checked against it.
 *
 * Every refusal of a device the caller may not activate is `unknown_device`, so a foreign NS cannot tell whether the
 * device exists (PRODUCT invariant 5).
 */
export interface TravellingError {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly reason: ResultReason;
  /**
   * The Description the NS gets, in words for its operator, where one reason covers cases the operator handles
   * differently; without it, the reason's own. Never for a reason that must not tell cases apart (`unknown_device`,
   * `unknown_sender`): the gateway ignores it there, and a test holds that none is given.
   */
  readonly description?: string;
}

/** The Descriptions of the refusals an NS should retry later, alike whether the gateway or the transport decided. */
const retryLater = {
  overloaded: 'the join server is overloaded; retry later',
  deadline: 'the join server could not answer in time; retry later',
} as const;

/** A keys error; `joinRefusal` marks the refusals of the join pipeline (each one recorded as a REFUSED JoinEvent). */
export interface KeysTravellingError extends TravellingError {
  readonly joinRefusal?: true;
}

/**
 * The claims service's catalogue. The refusals of a device are all `unknown_device`; what claims refuses on
 * management calls only is nothing the NS could change, so `other`. (The errors of people and access, management-only,
 * are claims' own `accessErrors`: they never reach the gateway.)
 */
export const claimsErrorCatalogue = {
  invalid_argument: { kind: 'invalid_argument', message: 'invalid argument', reason: 'other' },
  invalid_batch: { kind: 'invalid_argument', message: 'invalid device batch', reason: 'other' },
  device_exists: {
    kind: 'already_exists',
    message: 'a device with this DevEUI already exists',
    reason: 'other',
  },
  unknown_device: { kind: 'not_found', message: 'no device with this DevEUI', reason: 'unknown_device' },
  wrong_claim_code: { kind: 'permission_denied', message: 'the claim code does not match', reason: 'other' },
  already_claimed: { kind: 'already_exists', message: 'the device is already claimed', reason: 'other' },
  not_claimed: {
    kind: 'failed_precondition',
    message: 'the device is not claimed',
    reason: 'unknown_device',
  },
  device_locked: {
    kind: 'failed_precondition',
    message: 'the device is locked',
    reason: 'unknown_device',
  },
  not_locked: { kind: 'failed_precondition', message: 'the device is not locked', reason: 'other' },
  unknown_network_server: {
    kind: 'not_found',
    message: 'no network server with this id in the account',
    reason: 'other',
  },
  unknown_application_server: {
    kind: 'not_found',
    message: 'no application server with this id in the account',
    reason: 'other',
  },
  unknown_account: { kind: 'not_found', message: 'no account with this id', reason: 'other' },
  unknown_api_key: { kind: 'not_found', message: 'no API key with this id', reason: 'other' },
  unknown_peer: {
    kind: 'not_found',
    message: 'no network or application server with this id',
    reason: 'other',
  },
  rate_limited: {
    kind: 'resource_exhausted',
    message: 'too many failed claim attempts; try again later',
    reason: 'other',
  },
  admin_only: { kind: 'permission_denied', message: 'only an admin may do this', reason: 'other' },
  permission_denied: { kind: 'permission_denied', message: 'not allowed', reason: 'unknown_device' },
  unauthenticated: {
    kind: 'unauthenticated',
    message: 'unknown or revoked credentials',
    reason: 'unknown_sender',
  },
  not_authorized: {
    kind: 'permission_denied',
    message: 'the caller may not activate this device',
    reason: 'unknown_device',
  },
  no_roaming_agreement: {
    kind: 'permission_denied',
    message: 'the caller has no roaming agreement for this device',
    reason: 'no_roaming_agreement',
  },
  conflict: { kind: 'unavailable', message: 'too much contention on a record; retry', reason: 'other' },
  unknown_bundle: {
    kind: 'not_found',
    message: 'no credentials bundle with this id for this server',
    reason: 'other',
  },
  bundle_gone: {
    kind: 'failed_precondition',
    message: 'the credentials bundle was downloaded already or has expired',
    reason: 'other',
  },
  too_many_bundles: {
    kind: 'resource_exhausted',
    message:
      'too many credentials bundles of this server wait for their download; download one or retry later',
    reason: 'other',
  },
  invalid_seal_key: {
    kind: 'failed_precondition',
    message: 'the claims seal key file is unusable',
    reason: 'other',
  },
  ca_unseal_failed: {
    kind: 'failed_precondition',
    message: 'the stored CA key does not open with this seal key',
    reason: 'other',
  },
} as const satisfies Record<string, TravellingError>;

/**
 * The keys service's catalogue. The gRPC edge carries the codes intact. The vault's and the store's failures are
 * nothing the NS could change, so `other`.
 */
export const keysErrorCatalogue = {
  mic_failed: {
    kind: 'permission_denied',
    message: 'join-request MIC mismatch',
    reason: 'mic_failed',
    joinRefusal: true,
  },
  dev_nonce_replayed: {
    kind: 'failed_precondition',
    message: 'DevNonce already used',
    reason: 'dev_nonce_replayed',
    joinRefusal: true,
    description: 'the DevNonce was already used',
  },
  dev_nonce_too_small: {
    kind: 'failed_precondition',
    message: 'DevNonce not greater than the last accepted',
    reason: 'dev_nonce_replayed',
    joinRefusal: true,
    description:
      'the DevNonce is not greater than the last one used (a device whose counter restarted needs a DevNonce reset by its owner)',
  },
  rj_count_replayed: {
    kind: 'failed_precondition',
    message: 'RJcount not greater than the last accepted',
    reason: 'dev_nonce_replayed',
    joinRefusal: true,
    description: 'the RJcount of the rejoin-request was already used',
  },
  join_nonce_exhausted: {
    kind: 'resource_exhausted',
    message: 'JoinNonce exhausted (0xFFFFFF reached)',
    reason: 'join_nonce_exhausted',
    joinRefusal: true,
  },
  unsupported_mac_version: {
    kind: 'invalid_argument',
    message: 'unsupported LoRaWAN version for this request',
    reason: 'unsupported_mac_version',
    joinRefusal: true,
  },
  unknown_device: {
    kind: 'not_found',
    message: 'no root keys for this device',
    reason: 'unknown_device',
    joinRefusal: true,
  },
  malformed_frame: {
    kind: 'invalid_argument',
    message: 'malformed join-request or rejoin-request',
    reason: 'malformed',
    joinRefusal: true,
  },
  malformed_request: { kind: 'invalid_argument', message: 'malformed request', reason: 'malformed' },
  unknown_session: { kind: 'not_found', message: 'unknown session', reason: 'unknown_session' },
  root_keys_exist: {
    kind: 'already_exists',
    message: 'root keys already imported for this device',
    reason: 'other',
  },
  kek_exists: { kind: 'already_exists', message: 'a KEK with this label exists', reason: 'other' },
  unknown_kek: { kind: 'not_found', message: 'no KEK with this label', reason: 'other' },
  invalid_master_key: {
    kind: 'failed_precondition',
    message: 'the vault master key file is unusable',
    reason: 'other',
  },
  vault_tampered: {
    kind: 'internal',
    message: 'a sealed vault record failed its integrity check',
    reason: 'other',
  },
  unsupported_vault: {
    kind: 'failed_precondition',
    message: 'this key vault is not available',
    reason: 'other',
  },
  hsm_unavailable: {
    kind: 'unavailable',
    message: 'the PKCS#11 module could not be loaded or initialised',
    reason: 'other',
  },
  hsm_token_not_found: {
    kind: 'failed_precondition',
    message: 'no PKCS#11 token with this slot or label',
    reason: 'other',
  },
  hsm_login_failed: {
    kind: 'failed_precondition',
    message: 'PKCS#11 login failed (check the PIN)',
    reason: 'other',
  },
  hsm_error: { kind: 'internal', message: 'the HSM refused an operation', reason: 'other' },
} as const satisfies Record<string, KeysTravellingError>;

/** The gateway's own refusals (everything else comes from claims/keys with their codes). */
export const gatewayErrorCatalogue = {
  unknown_sender: {
    kind: 'unauthenticated',
    message: 'SenderID/SenderNSID do not match the authenticated peer',
    reason: 'unknown_sender',
  },
  unauthenticated: {
    kind: 'unauthenticated',
    message: 'no valid client certificate or bearer token',
    reason: 'unknown_sender',
  },
  overloaded: {
    kind: 'resource_exhausted',
    message: 'the join server is overloaded; retry',
    reason: 'other',
    description: retryLater.overloaded,
  },
  rate_limited: {
    kind: 'resource_exhausted',
    message: 'request rate limit of this peer exceeded',
    reason: 'other',
    description: 'request rate limit of this sender exceeded; retry later',
  },
  /** keys answered GetAppSKey without a key: the same answer as keys' own `keys:unknown_session`. */
  unknown_session: keysErrorCatalogue.unknown_session,
  deadline_exceeded: {
    kind: 'deadline_exceeded',
    message: 'the request did not complete within the internal deadline',
    reason: 'other',
    description: retryLater.deadline,
  },
  /**
   * claims refused the device (any reason: unknown, locked, unclaimed, another JoinEUI or NS); answered alike, as
   * claims' own `claims:not_authorized`.
   */
  not_authorized: claimsErrorCatalogue.not_authorized,
  /** claims answered Authorize without an outcome, or authorized without the device or its delivery settings. */
  incomplete_authorization: {
    kind: 'internal',
    message: 'claims answered Authorize incompletely',
    reason: 'other',
  },
} as const satisfies Record<string, TravellingError>;

/** Errors of the transport itself, when the other side sent no Joinery error code: all `other`. */
export const grpcErrorCatalogue = {
  cancelled: { kind: 'unavailable', message: 'call cancelled', reason: 'other' },
  deadline_exceeded: {
    kind: 'deadline_exceeded',
    message: 'deadline exceeded',
    reason: 'other',
    description: retryLater.deadline,
  },
  unavailable: {
    kind: 'unavailable',
    message: 'service unavailable',
    reason: 'other',
    description: 'the join server is temporarily unavailable; retry later',
  },
  draining: { kind: 'unavailable', message: 'server shutting down', reason: 'other' },
  unimplemented: { kind: 'internal', message: 'method not implemented by the server', reason: 'other' },
  invalid_message: { kind: 'invalid_argument', message: 'message could not be decoded', reason: 'other' },
  invalid_metadata: { kind: 'invalid_argument', message: 'invalid call metadata', reason: 'other' },
  invalid_timeout: {
    kind: 'invalid_argument',
    message: 'timeout must be a non-negative number of milliseconds',
    reason: 'other',
  },
  resource_exhausted: {
    kind: 'resource_exhausted',
    message: 'resource exhausted',
    reason: 'other',
    description: retryLater.overloaded,
  },
  unauthenticated: { kind: 'unauthenticated', message: 'unauthenticated', reason: 'other' },
  permission_denied: { kind: 'permission_denied', message: 'permission denied', reason: 'other' },
  unknown: { kind: 'internal', message: 'unknown error', reason: 'other' },
  internal: { kind: 'internal', message: 'internal error', reason: 'other' },
  unsupported_method: {
    kind: 'failed_precondition',
    message: 'only unary methods are supported',
    reason: 'other',
  },
} as const satisfies Record<string, TravellingError>;

/**
 * The parser's codes that travel past it: the gateway refuses a join whose MACVersion and OptNeg disagree with the
 * parser's code, and keys records it. Declared (kind, message, reason) in `@joinery/backend-interfaces`'s own
 * catalogue, a codec library that cannot import this one; the parser answers every `bi:*` code by that catalogue.
 */
const biTravellingCatalogue = {
  mac_version_mismatch: biErrorCatalogue.mac_version_mismatch,
} as const satisfies Partial<Record<keyof typeof biErrorCatalogue, TravellingError>>;

/** Every catalogue of codes that travel, by namespace: `${namespace}:${name}` is the code. */
export const errorRegistry = {
  gateway: gatewayErrorCatalogue,
  claims: claimsErrorCatalogue,
  keys: keysErrorCatalogue,
  grpc: grpcErrorCatalogue,
  bi: biTravellingCatalogue,
} as const satisfies Record<string, Record<string, TravellingError>>;

/** One code of the registry, as the docs and the tests enumerate it. */
export interface TravellingErrorCode extends TravellingError {
  readonly code: string;
  readonly namespace: keyof typeof errorRegistry;
  readonly joinRefusal: boolean;
}

/** Every code of every travelling catalogue, in registry order. */
export const travellingErrorCodes: readonly TravellingErrorCode[] = (
  Object.entries(errorRegistry) as [keyof typeof errorRegistry, Record<string, KeysTravellingError>][]
).flatMap(([namespace, catalogue]) =>
  Object.entries(catalogue).map(([name, entry]) => ({
    code: `${namespace}:${name}`,
    namespace,
    kind: entry.kind,
    message: entry.message,
    reason: entry.reason,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    joinRefusal: entry.joinRefusal === true,
  })),
);

export const gatewayErrors = defineErrors('gateway', gatewayErrorCatalogue);
export const claimsErrors = defineErrors('claims', claimsErrorCatalogue);
export const keysErrors = defineErrors('keys', keysErrorCatalogue);
export const grpcErrors = defineErrors('grpc', grpcErrorCatalogue);

/**
 * The one table from the error codes that travel to Backend Interfaces result reasons. The gateway answers by it and
 * keys writes its refused join events by it, so an NS's answer and the event always say the same.
 */
export const reasonByErrorCode: Readonly<Record<string, ResultReason>> = Object.fromEntries(
  travellingErrorCodes.map(({ code, reason }) => [code, reason]),
);

/** Refusals decided by the join pipeline: each one is answered and also recorded as a REFUSED JoinEvent. */
export const joinRefusalCodes: ReadonlySet<string> = new Set(
  travellingErrorCodes.filter((entry) => entry.joinRefusal).map(({ code }) => code),
);

/**
 * The Description of the codes whose reason covers cases an NS operator handles differently (see
 * `TravellingError.description`); every other code is described by its reason.
 */
export const descriptionByErrorCode: Readonly<Record<string, string>> = Object.fromEntries(
  travellingErrorCodes.flatMap(({ code, description }) =>
    description === undefined ? [] : [[code, description]],
  ),
);
