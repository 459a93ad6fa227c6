import { timestampFromDate, timestampDate } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  AppSKeyDelivery as ProtoAppSKeyDelivery,
  DeviceState as ProtoDeviceState,
  NetworkServerProduct as ProtoNetworkServerProduct,
  PeerKind as ProtoPeerKind,
  Scope as ProtoScope,
  type DeviceSchema,
  type ListDevicesRequest,
  type PeerCredential,
  type PeerIdentitySchema,
  type PeerSchema,
  type Principal as ProtoPrincipal,
  type PrincipalSchema,
} from '@joinery/proto/claims/v1/claims_pb';
import { macVersionFromProto as macVersionFromWire, macVersionToProto } from '@joinery/wire';
import type { DeviceContextSchema } from '@joinery/proto/keys/v1/keys_pb';
import {
  actorTypes,
  apiScopes,
  type ActorType,
  type ApiScope,
  type Caller,
} from '../../domain/access-model.js';
import { parseDevEuiPrefix, type DeviceQuery } from '../../domain/device-query.js';
import { claimsErrors } from '../../domain/errors.js';
import type { PeerCredentialInput } from '../../domain/gateway.js';
import { bytesToHex, hexToBytes } from '../../domain/identifiers.js';
import type {
  AppSKeyDelivery,
  DeviceBinding,
  DeviceRecord,
  MacVersion,
  NetworkServerProduct,
  PeerKind,
  PeerRecord,
  Principal,
} from '../../domain/model.js';

export function macVersionFromProto(value: string): MacVersion {
  const version = macVersionFromWire(value);
  if (version === undefined)
    throw claimsErrors.invalid_argument({ field: 'mac_version', reason: 'unspecified' });
  return version;
}

/**
 * The principal the console passes in every management request; a missing one is `claims:unauthenticated`. With
 * grants it is a Caller (access-model.ts); without, a principal from before scopes.
 */
export function principalFromProto(p: ProtoPrincipal | undefined): Principal {
  if (p === undefined) throw claimsErrors.unauthenticated({ reason: 'principal missing' });
  let base: Principal;
  if (p.scope === ProtoScope.ADMIN)
    base = { accountId: p.accountId === '' ? null : p.accountId, scope: 'admin', apiKeyId: p.apiKeyId };
  else if (p.scope === ProtoScope.OWNER && p.accountId !== '')
    base = { accountId: p.accountId, scope: 'owner', apiKeyId: p.apiKeyId };
  else throw claimsErrors.unauthenticated({ reason: 'principal without scope or account' });
  if (p.grants.length === 0) return base;
  const grants = p.grants.filter((g): g is ApiScope => (apiScopes as readonly string[]).includes(g));
  const actorType = (actorTypes as readonly string[]).includes(p.actor?.type ?? '')
    ? (p.actor?.type as ActorType)
    : base.scope === 'admin'
      ? 'admin'
      : 'api-key';
  const caller: Caller = {
    ...base,
    grants,
    actor: { type: actorType, id: p.actor?.id ?? p.apiKeyId, name: p.actor?.name ?? '' },
    ...(p.userId === '' ? {} : { userId: p.userId }),
  };
  return caller;
}

export function principalToProto(p: Principal): MessageInitShape<typeof PrincipalSchema> {
  const c = p as Partial<Caller>;
  return {
    accountId: p.accountId ?? '',
    scope: p.scope === 'admin' ? ProtoScope.ADMIN : ProtoScope.OWNER,
    apiKeyId: p.apiKeyId,
    ...(c.grants === undefined ? {} : { grants: [...c.grants] }),
    ...(c.actor === undefined ? {} : { actor: { ...c.actor } }),
    ...(c.userId === undefined ? {} : { userId: c.userId }),
  };
}

export const scopeFromProto = (s: ProtoScope): 'admin' | 'owner' =>
  s === ProtoScope.ADMIN ? 'admin' : 'owner';
export const scopeToProto = (s: 'admin' | 'owner'): ProtoScope =>
  s === 'admin' ? ProtoScope.ADMIN : ProtoScope.OWNER;

const stateToProto = {
  unclaimed: ProtoDeviceState.UNCLAIMED,
  claimed: ProtoDeviceState.CLAIMED,
  locked: ProtoDeviceState.LOCKED,
} as const;

const ts = (iso: string | null) => (iso === null ? undefined : timestampFromDate(new Date(iso)));

/** The device as management callers see it: never the claim code hash or the outbox. */
export function deviceToProto(d: DeviceRecord): MessageInitShape<typeof DeviceSchema> {
  return {
    devEui: hexToBytes(d.devEui),
    joinEui: hexToBytes(d.joinEui),
    macVersion: macVersionToProto(d.macVersion),
    state: stateToProto[d.state],
    claimed: d.accountId !== null,
    accountId: d.accountId ?? '',
    networkServerId: d.networkServerId ?? '',
    applicationServerId: d.applicationServerId ?? '',
    batchId: d.batchId,
    manufacturer: d.manufacturer,
    activated: d.activated,
    joinCount: d.joinCount,
    lastJoinAt: ts(d.lastJoinAt),
    claimedAt: ts(d.claimedAt),
    lockReason: d.lockReason ?? '',
    createdAt: ts(d.createdAt),
  };
}

/** The device as keys sees it; `bindingId` is the gateway's `bindingIdOf(d)`, the binding keys keeps sessions under. */
export function deviceContextToProto(
  d: DeviceBinding,
  bindingId: string,
): MessageInitShape<typeof DeviceContextSchema> {
  return {
    devEui: hexToBytes(d.devEui),
    joinEui: hexToBytes(d.joinEui),
    macVersion: macVersionToProto(d.macVersion),
    accountId: d.accountId ?? '',
    networkServerId: d.networkServerId ?? '',
    bindingId,
  };
}

const deliveryToProto: Record<AppSKeyDelivery, ProtoAppSKeyDelivery> = {
  wrapped: ProtoAppSKeyDelivery.WRAPPED,
  plaintext: ProtoAppSKeyDelivery.PLAINTEXT,
  'session-key-id': ProtoAppSKeyDelivery.SESSION_KEY_ID,
};

export const appSKeyDeliveryToProto = (d: AppSKeyDelivery): ProtoAppSKeyDelivery => deliveryToProto[d];

export function appSKeyDeliveryFromProto(d: ProtoAppSKeyDelivery): AppSKeyDelivery | null {
  switch (d) {
    case ProtoAppSKeyDelivery.WRAPPED:
      return 'wrapped';
    case ProtoAppSKeyDelivery.PLAINTEXT:
      return 'plaintext';
    case ProtoAppSKeyDelivery.SESSION_KEY_ID:
      return 'session-key-id';
    default:
      return null;
  }
}

export const peerKindToProto = (k: PeerKind): ProtoPeerKind =>
  k === 'network-server' ? ProtoPeerKind.NETWORK_SERVER : ProtoPeerKind.APPLICATION_SERVER;

export function peerKindFromProto(k: ProtoPeerKind): PeerKind | null {
  if (k === ProtoPeerKind.NETWORK_SERVER) return 'network-server';
  if (k === ProtoPeerKind.APPLICATION_SERVER) return 'application-server';
  return null;
}

const productsToProto: Record<NetworkServerProduct, ProtoNetworkServerProduct> = {
  chirpstack: ProtoNetworkServerProduct.CHIRPSTACK,
  'the-things-stack': ProtoNetworkServerProduct.THE_THINGS_STACK,
  other: ProtoNetworkServerProduct.OTHER,
};

export const productToProto = (p: NetworkServerProduct | null): ProtoNetworkServerProduct =>
  p === null ? ProtoNetworkServerProduct.UNSPECIFIED : productsToProto[p];

export function productFromProto(p: ProtoNetworkServerProduct): NetworkServerProduct | null {
  for (const [name, value] of Object.entries(productsToProto) as [
    NetworkServerProduct,
    ProtoNetworkServerProduct,
  ][])
    if (value === p) return name;
  return null;
}

export function peerToProto(p: PeerRecord): MessageInitShape<typeof PeerSchema> {
  return {
    id: p.id,
    kind: peerKindToProto(p.kind),
    accountId: p.accountId,
    name: p.name,
    netId: p.netId === null ? new Uint8Array() : hexToBytes(p.netId),
    nsId: p.nsId === null ? new Uint8Array() : hexToBytes(p.nsId),
    asId: p.asId ?? '',
    kekLabel: p.kekLabel,
    appSKeyDelivery:
      p.kind === 'network-server' ? deliveryToProto[p.appSKeyDelivery] : ProtoAppSKeyDelivery.UNSPECIFIED,
    lifetime: p.lifetime,
    asyncUrl: p.asyncUrl ?? '',
    plaintextNwkKeys: p.plaintextNwkKeys,
    createdAt: ts(p.createdAt),
    activeCredentials: p.credentials.filter((c) => !c.revoked).length,
    asyncCaPem: p.asyncCaPem ?? '',
    product: productToProto(p.product ?? null),
    ...(p.overlapUntil === undefined || p.overlapUntil === null ? {} : { overlapUntil: ts(p.overlapUntil) }),
    previousKekLabel: p.previousKekLabel ?? '',
  };
}

export function peerIdentityToProto(p: PeerRecord): MessageInitShape<typeof PeerIdentitySchema> {
  return {
    peerId: p.id,
    kind: peerKindToProto(p.kind),
    accountId: p.accountId,
    netId: p.netId === null ? new Uint8Array() : hexToBytes(p.netId),
    nsId: p.nsId === null ? new Uint8Array() : hexToBytes(p.nsId),
    asId: p.asId ?? '',
    asyncUrl: p.asyncUrl ?? '',
    asyncCaPem: p.asyncCaPem ?? '',
  };
}

export function credentialFromProto(c: PeerCredential | undefined): PeerCredentialInput {
  switch (c?.credential.case) {
    case 'certFingerprintSha256':
      return { kind: 'certificate', fingerprintSha256: bytesToHex(c.credential.value).toLowerCase() };
    case 'bearerToken':
      return { kind: 'bearer-token', token: c.credential.value };
    case 'bearerTokenSha256':
      return { kind: 'bearer-token-hash', hashSha256: bytesToHex(c.credential.value).toLowerCase() };
    default:
      return { kind: 'bearer-token', token: '' };
  }
}

/** Optional bytes fields: empty means absent. */
export const optionalHex = (b: Uint8Array): string | null => (b.length === 0 ? null : bytesToHex(b));

export { bytesToHex, hexToBytes, timestampDate };

/** The filters of a ListDevicesRequest (unset or empty fields filter nothing). */
export function deviceQueryFromProto(req: ListDevicesRequest): DeviceQuery {
  const prefix = parseDevEuiPrefix(req.devEuiPrefix);
  return {
    ...(req.claimed === undefined ? {} : { claimed: req.claimed }),
    ...(req.networkServerId === '' ? {} : { networkServerId: req.networkServerId }),
    ...(req.macVersion === '' ? {} : { macVersion: macVersionFromProto(req.macVersion) }),
    ...(req.activated === undefined ? {} : { activated: req.activated }),
    ...(req.lastJoinSince === undefined ? {} : { lastJoinSince: timestampDate(req.lastJoinSince) }),
    ...(prefix === undefined ? {} : { devEuiPrefix: prefix }),
  };
}
