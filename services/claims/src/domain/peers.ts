import { X509Certificate } from 'node:crypto';
import { callbackHostRefusal } from '@joinery/config';
import { claimsErrors } from './errors.js';
import { actingAccount, type ClaimsContext } from './context.js';
import { normalizeHex } from './identifiers.js';
import type {
  AppSKeyDelivery,
  NetworkServerProduct,
  PeerCredentialRecord,
  PeerKind,
  PeerRecord,
  Principal,
} from './model.js';
import { isActiveCredential, isRevokedPeer } from './peer-credentials.js';
import { generateId, generateToken, sha256Hex } from './secrets.js';

export interface IssuedPeerCredentials {
  readonly bearerToken: string;
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

/** Something about a registration its owner should know; `code` is stable. */
export interface RegistrationWarning {
  readonly code: 'chirpstack_no_payload_decryption';
  readonly message: string;
}

export interface PeerRegistration {
  readonly peer: PeerRecord;
  readonly kek: { readonly label: string; readonly key: Uint8Array };
  readonly credentials: IssuedPeerCredentials;
  readonly warnings: readonly RegistrationWarning[];
}

export interface RegisterNetworkServerInput {
  readonly accountId: string | null;
  readonly name: string;
  readonly netId: string;
  readonly nsId: string | null;
  readonly kekLabel: string | null;
  readonly appSKeyDelivery: AppSKeyDelivery | null;
  readonly lifetime: number;
  readonly asyncUrl: string | null;
  readonly plaintextNwkKeys: boolean;
  /** PEM certificates of the CA behind the asyncUrl server's certificate, when it is not a public CA. */
  readonly asyncCaPem?: string | null;
  readonly product?: NetworkServerProduct | null;
}

export interface RegisterApplicationServerInput {
  readonly accountId: string | null;
  readonly name: string;
  readonly asId: string;
  readonly kekLabel: string | null;
}

/** A PATCH of a peer: each field changed only when given (NS only, except `name`). */
export interface UpdatePeerInput {
  readonly name?: string;
  /** '' or null: no callback. */
  readonly asyncUrl?: string | null;
  readonly asyncCaPem?: string | null;
  readonly lifetime?: number;
  readonly appSKeyDelivery?: AppSKeyDelivery;
}

export interface PeerRotation {
  readonly peer: PeerRecord;
  readonly kek: { readonly label: string; readonly key: Uint8Array };
  readonly credentials: IssuedPeerCredentials;
  /** Until when the previous certificate, token and KEK label keep working. */
  readonly overlapUntil: Date;
}

export const defaultOverlapSeconds = 86_400;
export const maxOverlapSeconds = 604_800;

const kekLabelRe = /^[A-Za-z0-9._:-]{1,64}$/;
const asIdRe = /^[\x21-\x7e]{1,128}$/;

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200)
    throw claimsErrors.invalid_argument({ field: 'name', reason: 'must be 1–200 characters' });
  return trimmed;
}

/**
 * The label keys stores the peer's KEK under, which the NS also puts in its own configuration (it comes back as
 * `KEKLabel` in every key envelope). Joinery's default is `ns-<peer id as hex>` / `as-<peer id as hex>`. A label the
 * owner chooses lives in the account's namespace, `acct-<account id as lower-case hex>/<label in lower case>`: the
 * operator's labels (storage and transport KEKs) and other tenants' labels cannot be named, so none can be taken or
 * probed. Every label is lower case because The Things Stack's configuration loader (viper) lower-cases the keys of
 * its key vault: a mixed-case label would never be found there (`cryptoutil:key_not_found`).
 */
function kekLabelFor(accountId: string, label: string | null, peerId: string): string {
  if (label === null || label === '') return defaultKekLabel(peerId);
  if (!kekLabelRe.test(label))
    throw claimsErrors.invalid_argument({ field: 'kek_label', reason: '1–64 letters, digits and ._:- only' });
  return `${ownerKekNamespace(accountId)}${label.toLowerCase()}`;
}

/** `ns-<hex>` / `as-<hex>`: the id's random part in hex, one-to-one with the id and already lower case. */
export function defaultKekLabel(peerId: string): string {
  const separator = peerId.indexOf('_');
  const kind = peerId.slice(0, separator);
  return `${kind}-${Buffer.from(peerId.slice(separator + 1), 'base64url').toString('hex')}`;
}

/** `acct-<hex>/`: the prefix of every KEK label an owner of this account chose. */
function ownerKekNamespace(accountId: string): string {
  return `acct-${Buffer.from(accountId, 'utf8').toString('hex')}/`;
}

const hostRefusalMessage = {
  not_public_address: 'is a loopback, private, link-local, multicast or otherwise non-public address',
  local_name: 'names this host or a local network',
} as const;

/**
 * The NS's callback URL. Joinery POSTs there for every JoinReq, so by default it must reach the public internet: an
 * IP literal must be public and a name must not be local (the gateway checks the addresses a name resolves to again
 * on every connection). `allowPrivate` (JOINERY_ALLOW_PRIVATE_ASYNC_URLS) lifts this for lab set-ups.
 */
function checkAsyncUrl(url: string | null, allowPrivate: boolean): string | null {
  if (url === null || url === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw claimsErrors.invalid_argument({ field: 'async_url', reason: 'not a URL' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw claimsErrors.invalid_argument({ field: 'async_url', reason: 'must be http(s)' });
  const refusal = allowPrivate ? undefined : callbackHostRefusal(parsed);
  if (refusal !== undefined)
    throw claimsErrors.invalid_argument(
      { field: 'async_url', reason: refusal },
      `asyncUrl ${parsed.hostname} ${hostRefusalMessage[refusal]}; Joinery only calls back public addresses ` +
        '(an operator allows private ones for lab set-ups with JOINERY_ALLOW_PRIVATE_ASYNC_URLS=true)',
    );
  return url;
}

const maxCaPemLength = 64 * 1024;
const maxCaCertificates = 16;

/**
 * The CA an owner registers for the NS's callback server: PEM certificates and nothing else (a private key pasted by
 * mistake is refused, and never echoed), each one parseable, stored re-encoded and newline-terminated.
 */
function checkAsyncCaPem(pem: string | null | undefined, asyncUrl: string | null): string | null {
  if (pem === null || pem === undefined || pem.trim() === '') return null;
  const refuse = (reason: string) => claimsErrors.invalid_argument({ field: 'async_ca_pem', reason });
  if (pem.length > maxCaPemLength) throw refuse('at most 64 KiB');
  if (asyncUrl === null || !asyncUrl.startsWith('https:')) throw refuse('needs an https asyncUrl');
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  const outside = blocks.reduce((rest, b) => rest.replace(b[0], ''), pem);
  if (blocks.length === 0 || outside.trim() !== '') throw refuse('must be PEM certificates only');
  if (blocks.length > maxCaCertificates) throw refuse(`at most ${maxCaCertificates} certificates`);
  return blocks
    .map((b) => {
      if (b[1] !== 'CERTIFICATE') throw refuse('must be PEM certificates only');
      try {
        return new X509Certificate(b[0]).toString();
      } catch {
        throw refuse('a certificate does not parse');
      }
    })
    .map((c) => (c.endsWith('\n') ? c : `${c}\n`))
    .join('');
}

/**
 * The AppSKey delivery an NS gets, and what its owner should know about it. ChirpStack decrypts application payloads
 * only with a plaintext AppSKey and no SessionKeyID; a wrapped AppSKey or a SessionKeyID puts it in its end-to-end
 * mode, where payloads reach the integrations still encrypted. So for ChirpStack the default is plaintext (over the
 * authenticated TLS or bearer connection), and any other explicit choice comes back with a warning.
 */
function appSKeyDeliveryFor(
  product: NetworkServerProduct | null,
  asked: AppSKeyDelivery | null,
): { delivery: AppSKeyDelivery; warnings: RegistrationWarning[] } {
  if (product !== 'chirpstack') return { delivery: asked ?? 'wrapped', warnings: [] };
  if (asked === null || asked === 'plaintext') return { delivery: 'plaintext', warnings: [] };
  const how = asked === 'wrapped' ? 'wrapped under a KEK' : 'as a SessionKeyID';
  return {
    delivery: asked,
    warnings: [
      {
        code: 'chirpstack_no_payload_decryption',
        message:
          `with the AppSKey ${how}, ChirpStack does not decrypt application payloads (its end-to-end mode): ` +
          'your application must get the AppSKey and decrypt them itself. Register with appSKeyDelivery ' +
          '"plaintext" for ChirpStack to decrypt.',
      },
    ],
  };
}

const products: readonly NetworkServerProduct[] = ['chirpstack', 'the-things-stack', 'other'];

function checkLifetime(lifetime: number): void {
  if (!Number.isInteger(lifetime) || lifetime < 0 || lifetime > 0xffffffff)
    throw claimsErrors.invalid_argument({
      field: 'lifetime',
      reason: 'must be a non-negative integer (seconds)',
    });
}

const appSKeyDeliveries: readonly AppSKeyDelivery[] = ['wrapped', 'plaintext', 'session-key-id'];

/** Network-server and application-server registrations and their credentials. */
export class Peers {
  constructor(private readonly ctx: ClaimsContext) {}

  private async checkAccount(principal: Principal, accountId: string | null): Promise<string> {
    const id = actingAccount(principal, accountId);
    if ((await this.ctx.store.getAccount(id)) === undefined) throw claimsErrors.unknown_account();
    return id;
  }

  /** A bearer token and a client certificate; only their hashes are kept (with `kekLabel`, when given). */
  private async issueCredentials(
    kind: PeerKind,
    subject: { commonName: string; organizationalUnit?: string },
    kekLabel?: string,
  ): Promise<{ issued: IssuedPeerCredentials; records: PeerCredentialRecord[] }> {
    const bearerToken = generateToken(kind === 'network-server' ? 'jns' : 'jas');
    const cert = await this.ctx.ca.issueClientCertificate(subject);
    const createdAt = this.ctx.clock.now().toISOString();
    return {
      issued: {
        bearerToken,
        caCertPem: this.ctx.ca.caCertPem(),
        clientCertPem: cert.certPem,
        clientKeyPem: cert.keyPem,
      },
      records: (
        [
          { kind: 'bearer-token', hash: sha256Hex(bearerToken), createdAt, revoked: false },
          { kind: 'certificate', hash: cert.fingerprintSha256, createdAt, revoked: false },
        ] as const
      ).map((r): PeerCredentialRecord => (kekLabel === undefined ? r : { ...r, kekLabel })),
    };
  }

  private subjectOf(peer: Pick<PeerRecord, 'kind' | 'netId' | 'nsId' | 'asId'>): {
    commonName: string;
    organizationalUnit?: string;
  } {
    // Prefixed: an AS-ID is the owner's free text and could otherwise name a JoinEUI, the identity of Joinery's own
    // asynchronous answers (a CN-checking NS such as ChirpStack v3 would take the AS's certificate for Joinery).
    if (peer.kind === 'application-server')
      return { commonName: `as:${peer.asId ?? ''}`, organizationalUnit: 'as' };
    return peer.nsId === null
      ? { commonName: peer.netId ?? '' }
      : { commonName: peer.netId ?? '', organizationalUnit: peer.nsId };
  }

  async registerNetworkServer(
    principal: Principal,
    input: RegisterNetworkServerInput,
  ): Promise<PeerRegistration> {
    const accountId = await this.checkAccount(principal, input.accountId);
    const name = checkName(input.name);
    const netId = normalizeHex(input.netId, 3);
    if (netId === null) throw claimsErrors.invalid_argument({ field: 'net_id', reason: 'must be 3 bytes' });
    let nsId: string | null = null;
    if (input.nsId !== null && input.nsId !== '') {
      nsId = normalizeHex(input.nsId, 8);
      if (nsId === null) throw claimsErrors.invalid_argument({ field: 'ns_id', reason: 'must be 8 bytes' });
    }
    checkLifetime(input.lifetime);
    const asyncUrl = checkAsyncUrl(input.asyncUrl, this.ctx.allowPrivateAsyncUrls);
    const asyncCaPem = checkAsyncCaPem(input.asyncCaPem, asyncUrl);
    const product = input.product ?? null;
    if (product !== null && !products.includes(product))
      throw claimsErrors.invalid_argument({ field: 'product', reason: products.join(', ') });
    const { delivery, warnings } = appSKeyDeliveryFor(product, input.appSKeyDelivery);
    const id = generateId('ns');
    const kekLabel = kekLabelFor(accountId, input.kekLabel, id);
    const kek = await this.ctx.keys.createKek(kekLabel, 'peer');
    const { issued, records } = await this.issueCredentials(
      'network-server',
      this.subjectOf({ kind: 'network-server', netId, nsId, asId: null }),
    );
    const peer: PeerRecord = {
      rev: 1,
      id,
      kind: 'network-server',
      accountId,
      name,
      netId,
      nsId,
      asId: null,
      kekLabel,
      appSKeyDelivery: delivery,
      plaintextNwkKeys: input.plaintextNwkKeys,
      lifetime: input.lifetime,
      asyncUrl,
      asyncCaPem,
      product,
      credentials: records,
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.insertPeer(peer);
    this.ctx.logger.info(
      { peer_id: id, account_id: accountId, net_id: netId, product, app_s_key_delivery: delivery },
      'network server registered',
    );
    return { peer, kek: { label: kekLabel, key: kek }, credentials: issued, warnings };
  }

  async registerApplicationServer(
    principal: Principal,
    input: RegisterApplicationServerInput,
  ): Promise<PeerRegistration> {
    const accountId = await this.checkAccount(principal, input.accountId);
    const name = checkName(input.name);
    if (!asIdRe.test(input.asId))
      throw claimsErrors.invalid_argument({
        field: 'as_id',
        reason: 'must be 1–128 printable ASCII characters',
      });
    const id = generateId('as');
    const kekLabel = kekLabelFor(accountId, input.kekLabel, id);
    const kek = await this.ctx.keys.createKek(kekLabel, 'peer');
    const { issued, records } = await this.issueCredentials(
      'application-server',
      this.subjectOf({ kind: 'application-server', netId: null, nsId: null, asId: input.asId }),
    );
    const peer: PeerRecord = {
      rev: 1,
      id,
      kind: 'application-server',
      accountId,
      name,
      netId: null,
      nsId: null,
      asId: input.asId,
      kekLabel,
      appSKeyDelivery: 'wrapped',
      plaintextNwkKeys: false,
      lifetime: 0,
      asyncUrl: null,
      credentials: records,
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.insertPeer(peer);
    this.ctx.logger.info(
      { peer_id: id, account_id: accountId, as_id: input.asId },
      'application server registered',
    );
    return { peer, kek: { label: kekLabel, key: kek }, credentials: issued, warnings: [] };
  }

  /** The admin any peer, an owner its own; revoked, unknown and another account's peers are `claims:unknown_peer`. */
  async getPeer(principal: Principal, peerId: string): Promise<PeerRecord> {
    const peer = peerId === '' || peerId.length > 128 ? undefined : await this.ctx.store.getPeer(peerId);
    if (
      peer === undefined ||
      isRevokedPeer(peer) ||
      (principal.scope !== 'admin' && peer.accountId !== principal.accountId)
    )
      throw claimsErrors.unknown_peer();
    return peer;
  }

  async listPeers(
    principal: Principal,
    accountId: string | null,
    kind: PeerKind | null,
  ): Promise<readonly PeerRecord[]> {
    const target =
      principal.scope === 'admin' ? (accountId === '' ? null : accountId) : actingAccount(principal);
    const peers = (await this.ctx.store.listPeers(target)).filter((p) => !isRevokedPeer(p));
    return kind === null ? peers : peers.filter((p) => p.kind === kind);
  }

  /** Revokes every credential of a peer now; with `reissue`, a new bearer token and certificate come back once. */
  async revokeCredentials(
    principal: Principal,
    peerId: string,
    reissue: boolean,
  ): Promise<IssuedPeerCredentials | null> {
    const peer = await this.getPeer(principal, peerId);
    const fresh = reissue ? await this.issueCredentials(peer.kind, this.subjectOf(peer)) : null;
    const updated = await this.ctx.store.updatePeer(peerId, (current) => ({
      ...current,
      credentials: [...current.credentials.map((c) => ({ ...c, revoked: true })), ...(fresh?.records ?? [])],
    }));
    if (updated === undefined) throw claimsErrors.unknown_peer();
    this.ctx.logger.info({ peer_id: peerId, reissued: reissue }, 'peer credentials revoked');
    return fresh?.issued ?? null;
  }

  /**
   * Changes a peer's settings with the validation of its registration (name; NS: callback URL and its CA, the SSRF
   * policy included, lifetime, AppSKey delivery with the product's warnings). The peer id, NetID, NSID and AS-ID
   * never change: they are what the credentials and the devices' bindings name.
   */
  async updatePeer(
    principal: Principal,
    peerId: string,
    input: UpdatePeerInput,
  ): Promise<{ peer: PeerRecord; warnings: readonly RegistrationWarning[] }> {
    const peer = await this.getPeer(principal, peerId);
    const ns = peer.kind === 'network-server';
    if (!ns)
      for (const field of ['asyncUrl', 'asyncCaPem', 'lifetime', 'appSKeyDelivery'] as const)
        if (input[field] !== undefined)
          throw claimsErrors.invalid_argument({ field, reason: 'network servers only' });
    const name = input.name === undefined ? peer.name : checkName(input.name);
    if (input.lifetime !== undefined) checkLifetime(input.lifetime);
    if (input.appSKeyDelivery !== undefined && !appSKeyDeliveries.includes(input.appSKeyDelivery))
      throw claimsErrors.invalid_argument({
        field: 'app_s_key_delivery',
        reason: appSKeyDeliveries.join(', '),
      });
    const asyncUrl =
      input.asyncUrl === undefined
        ? peer.asyncUrl
        : checkAsyncUrl(input.asyncUrl, this.ctx.allowPrivateAsyncUrls);
    // A CA goes with its URL: a new URL without a CA drops the old one, which was for another server.
    const asyncCaPem = checkAsyncCaPem(
      input.asyncCaPem !== undefined
        ? input.asyncCaPem
        : input.asyncUrl === undefined
          ? (peer.asyncCaPem ?? null)
          : null,
      asyncUrl,
    );
    const { delivery, warnings } = ns
      ? input.appSKeyDelivery === undefined
        ? { delivery: peer.appSKeyDelivery, warnings: [] }
        : appSKeyDeliveryFor(peer.product ?? null, input.appSKeyDelivery)
      : { delivery: peer.appSKeyDelivery, warnings: [] };
    const updated = await this.ctx.store.updatePeer(peerId, (current) => {
      if (isRevokedPeer(current)) throw claimsErrors.unknown_peer();
      return {
        ...current,
        name,
        ...(ns
          ? {
              asyncUrl,
              asyncCaPem,
              lifetime: input.lifetime ?? current.lifetime,
              appSKeyDelivery: delivery,
            }
          : {}),
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_peer();
    this.ctx.logger.info(
      {
        peer_id: peerId,
        fields: Object.keys(input).filter((k) => input[k as keyof UpdatePeerInput] !== undefined),
      },
      'peer settings updated',
    );
    return { peer: updated, warnings };
  }

  /**
   * New credentials for a peer: a client certificate, a bearer token and a KEK under a new label
   * (`<first label>-r<n>`), returned this once. The credentials that work now keep working until `overlapUntil`
   * (with 0 they stop at once), and a caller authenticated with one of them keeps getting its keys under the KEK it
   * came with; a caller with the new ones gets the new KEK. After the overlap the old ones are refused.
   */
  async rotateCredentials(
    principal: Principal,
    peerId: string,
    overlapSeconds: number | null,
  ): Promise<PeerRotation> {
    const overlap = overlapSeconds ?? defaultOverlapSeconds;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > maxOverlapSeconds)
      throw claimsErrors.invalid_argument({ field: 'overlap_seconds', reason: `0–${maxOverlapSeconds}` });
    const peer = await this.getPeer(principal, peerId);
    const rotation = (peer.rotations ?? 0) + 1;
    const base = peer.baseKekLabel ?? peer.kekLabel;
    const label = `${base}-r${rotation}`;
    const kek = await this.ctx.keys.createKek(label, 'peer');
    const fresh = await this.issueCredentials(peer.kind, this.subjectOf(peer), label);
    const now = this.ctx.clock.now();
    const overlapUntil = new Date(now.getTime() + overlap * 1000);
    const updated = await this.ctx.store.updatePeer(peerId, (current) => {
      if (isRevokedPeer(current)) throw claimsErrors.unknown_peer();
      if ((current.rotations ?? 0) + 1 !== rotation) throw claimsErrors.conflict({ key: 'rotation' });
      const previous = current.kekLabel;
      return {
        ...current,
        kekLabel: label,
        baseKekLabel: base,
        rotations: rotation,
        previousKekLabel: overlap === 0 ? null : previous,
        overlapUntil: overlap === 0 ? null : overlapUntil.toISOString(),
        credentials: [
          ...current.credentials.map((c) => {
            if (!isActiveCredential(c, now)) return c.revoked ? c : { ...c, revoked: true };
            if (overlap === 0) return { ...c, revoked: true };
            const ends =
              c.expiresAt !== undefined &&
              c.expiresAt !== null &&
              Date.parse(c.expiresAt) < overlapUntil.getTime()
                ? c.expiresAt
                : overlapUntil.toISOString();
            return { ...c, kekLabel: c.kekLabel ?? previous, expiresAt: ends };
          }),
          ...fresh.records,
        ],
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_peer();
    this.ctx.logger.info(
      { peer_id: peerId, rotation, kek_label: label, overlap_until: overlapUntil.toISOString() },
      'peer credentials rotated',
    );
    return { peer: updated, kek: { label, key: kek }, credentials: fresh.issued, overlapUntil };
  }

  /**
   * Revokes a peer: every credential is refused from now on (over the Backend Interfaces too: each request is
   * authenticated against the store), and the peer is gone from the API. Devices bound to it stay bound, activated
   * by nobody, until their owner moves them to another NS.
   */
  async revokePeer(principal: Principal, peerId: string): Promise<void> {
    await this.getPeer(principal, peerId);
    const now = this.ctx.clock.now().toISOString();
    const updated = await this.ctx.store.updatePeer(peerId, (current) => {
      if (isRevokedPeer(current)) throw claimsErrors.unknown_peer();
      return {
        ...current,
        revokedAt: now,
        credentials: current.credentials.map((c) => (c.revoked ? c : { ...c, revoked: true })),
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_peer();
    this.ctx.logger.info({ peer_id: peerId, account_id: updated.accountId }, 'peer revoked');
  }
}
