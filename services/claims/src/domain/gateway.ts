import { claimsErrors } from './errors.js';
import { parseDevEuiArg, type ClaimsContext } from './context.js';
import { normalizeEui, normalizeHex } from './identifiers.js';
import type { AppSKeyDelivery, DeviceBinding, PeerCredentialRecord, PeerRecord } from './model.js';
import { isActiveCredential, isRevokedPeer, kekLabelForThirdParty, kekLabelOf } from './peer-credentials.js';
import type { IssuedCertificate } from './ports.js';
import { sha256Hex } from './secrets.js';

/** How the gateway saw a peer authenticate. */
export type PeerCredentialInput =
  | { readonly kind: 'certificate'; readonly fingerprintSha256: string }
  | { readonly kind: 'bearer-token'; readonly token: string }
  | { readonly kind: 'bearer-token-hash'; readonly hashSha256: string };

export interface DeliverySettings {
  readonly nwkKekLabel: string | null;
  readonly plaintextNwkKeys: boolean;
  readonly appSKeyDelivery: AppSKeyDelivery;
  readonly appSKeyKekLabel: string | null;
  readonly lifetime: number;
  readonly asyncUrl: string | null;
  /** The CA registered for the asyncUrl server (null: the system store alone). */
  readonly asyncCaPem: string | null;
}

/**
 * The identity of the device's current binding: owner, claim time, NS and AS. It changes with every claim (another
 * owner, or the same one again later), transfer and unclaim (none while unclaimed). keys keeps it with every session
 * and hands a session's AppSKey out only under the binding it was made under, so a new claim starts with no session
 * visible (issue 22 #11). Derived, not stored: nothing to migrate, and equal inputs mean the same tenant.
 */
export function bindingIdOf(device: DeviceBinding): string {
  if (device.accountId === null || device.claimedAt === null) return '';
  const parts = [
    device.devEui,
    device.accountId,
    device.claimedAt,
    device.networkServerId,
    device.applicationServerId,
  ];
  return sha256Hex(JSON.stringify(parts)).slice(0, 32);
}

export interface Authorization {
  readonly device: DeviceBinding;
  /** `bindingIdOf(device)`. */
  readonly bindingId: string;
  readonly networkServer: PeerRecord;
  readonly delivery: DeliverySettings;
}

/** What the Backend Interfaces gateway asks on every request. */
export class Gateway {
  constructor(private readonly ctx: ClaimsContext) {}

  /** The peer owning this credential (and of the credential's kind), or `claims:unauthenticated`. */
  async authenticatePeer(credential: PeerCredentialInput): Promise<PeerRecord> {
    return (await this.authenticate(credential)).peer;
  }

  /**
   * The peer and the credential record it authenticated with. Revoked credentials, credentials whose rotation overlap
   * ended, and every credential of a revoked peer are `claims:unauthenticated`, on every request: nothing here is
   * cached beyond the credential → peer id mapping, so a revocation counts at once on every instance.
   */
  private async authenticate(
    credential: PeerCredentialInput,
  ): Promise<{ peer: PeerRecord; credential: PeerCredentialRecord }> {
    let hash: string;
    let kind: 'certificate' | 'bearer-token';
    switch (credential.kind) {
      case 'certificate':
        hash = credential.fingerprintSha256.toLowerCase();
        kind = 'certificate';
        break;
      case 'bearer-token':
        hash = sha256Hex(credential.token);
        kind = 'bearer-token';
        break;
      case 'bearer-token-hash':
        hash = credential.hashSha256.toLowerCase();
        kind = 'bearer-token';
        break;
    }
    if (!/^[0-9a-f]{64}$/.test(hash)) throw claimsErrors.unauthenticated();
    const peer = await this.ctx.store.findPeerByCredential(hash);
    const now = this.ctx.clock.now();
    const record = peer?.credentials.find(
      (c) => c.hash === hash && c.kind === kind && isActiveCredential(c, now),
    );
    if (peer === undefined || record === undefined || isRevokedPeer(peer))
      throw claimsErrors.unauthenticated();
    return { peer, credential: record };
  }

  /**
   * The NS behind the credential if SenderID (and a given SenderNSID) match its registration, with the KEK label that
   * goes with the credential it used.
   */
  private async networkServer(
    credential: PeerCredentialInput,
    senderNetId: string,
    senderNsId: string | null,
  ): Promise<(PeerRecord & { readonly callerKekLabel: string }) | null> {
    let peer: PeerRecord;
    let used: PeerCredentialRecord;
    try {
      ({ peer, credential: used } = await this.authenticate(credential));
    } catch {
      return null;
    }
    if (peer.kind !== 'network-server') return null;
    if (normalizeHex(senderNetId, 3) !== peer.netId) return null;
    // An NS registered without an NSID may send any SenderNSID (TTS sends one with every BI 1.1 JoinReq); one
    // registered with an NSID must send that one.
    if (
      peer.nsId !== null &&
      senderNsId !== null &&
      senderNsId !== '' &&
      normalizeEui(senderNsId) !== peer.nsId
    )
      return null;
    return { ...peer, callerKekLabel: kekLabelOf(peer, used) };
  }

  private refuse(reason: string, facts: object): never {
    this.ctx.logger.info({ ...facts, reason }, 'activation refused');
    throw claimsErrors.not_authorized();
  }

  /**
   * May this NS activate this device? Every refusal (unknown or revoked credential, SenderID/SenderNSID mismatch,
   * unknown device, JoinEUI mismatch, unclaimed, locked, bound to another NS) is the one `claims:not_authorized`, so
   * an NS learns nothing about devices that are not its own.
   */
  async authorize(input: {
    joinEui: string;
    devEui: string;
    credential: PeerCredentialInput;
    senderNetId: string;
    senderNsId: string | null;
  }): Promise<Authorization> {
    const devEui = normalizeEui(input.devEui);
    const facts = { dev_eui: devEui ?? input.devEui, sender_net_id: input.senderNetId };
    // Caller and device are read at once (one store round trip of waiting instead of two); the caller is still
    // judged first, and a refused caller waits for the device read too, so its answer's timing says nothing about it.
    const [ns, device] = await Promise.all([
      this.networkServer(input.credential, input.senderNetId, input.senderNsId),
      devEui === null ? undefined : this.ctx.store.getDeviceBinding(devEui),
    ]);
    if (ns === null) this.refuse('caller', facts);
    if (device === undefined) this.refuse('unknown_device', facts);
    if (device.joinEui !== normalizeEui(input.joinEui)) this.refuse('join_eui_mismatch', facts);
    if (device.state !== 'claimed') this.refuse(device.state, facts);
    if (device.networkServerId !== ns.id) this.refuse('other_network_server', facts);
    let appSKeyKekLabel: string | null = null;
    if (ns.appSKeyDelivery === 'wrapped') {
      const as =
        device.applicationServerId === null
          ? undefined
          : await this.ctx.store.getPeer(device.applicationServerId);
      appSKeyKekLabel =
        as === undefined ? ns.callerKekLabel : kekLabelForThirdParty(as, this.ctx.clock.now());
    }
    const { callerKekLabel, ...networkServer } = ns;
    return {
      device,
      bindingId: bindingIdOf(device),
      networkServer,
      delivery: {
        nwkKekLabel: ns.plaintextNwkKeys ? null : callerKekLabel,
        plaintextNwkKeys: ns.plaintextNwkKeys,
        appSKeyDelivery: ns.appSKeyDelivery,
        appSKeyKekLabel,
        lifetime: ns.lifetime,
        asyncUrl: ns.asyncUrl,
        asyncCaPem: ns.asyncCaPem ?? null,
      },
    };
  }

  /** May this AS fetch the AppSKey of this device (AppSKeyReq)? Same single refusal code. */
  async authorizeApplicationServer(input: {
    joinEui: string;
    devEui: string;
    credential: PeerCredentialInput;
    senderAsId: string;
  }): Promise<{
    device: DeviceBinding;
    bindingId: string;
    applicationServer: PeerRecord;
    /** The KEK for the AppSKey: the one issued with the credential the AS used. */
    kekLabel: string;
  }> {
    const devEui = normalizeEui(input.devEui);
    const facts = { dev_eui: devEui ?? input.devEui, sender_as_id: input.senderAsId };
    let as: PeerRecord | null = null;
    let kekLabel = '';
    try {
      const found = await this.authenticate(input.credential);
      as = found.peer;
      kekLabel = kekLabelOf(found.peer, found.credential);
    } catch {
      as = null;
    }
    if (as === null || as.kind !== 'application-server' || as.asId !== input.senderAsId)
      this.refuse('caller', facts);
    const device = devEui === null ? undefined : await this.ctx.store.getDeviceBinding(devEui);
    if (device === undefined) this.refuse('unknown_device', facts);
    if (device.joinEui !== normalizeEui(input.joinEui)) this.refuse('join_eui_mismatch', facts);
    if (device.state !== 'claimed') this.refuse(device.state, facts);
    if (device.applicationServerId !== as.id) this.refuse('other_application_server', facts);
    return { device, bindingId: bindingIdOf(device), applicationServer: as, kekLabel };
  }

  /**
   * HomeNSReq: the NetID/NSID of the device's home NS. The bound NS may ask, and any registered NS whose NetID the
   * owner has a roaming agreement with (for this device, or for every device of the account); everyone else (and any
   * unknown, unclaimed or locked device) gets `claims:no_roaming_agreement`. Unknown credentials are
   * `claims:unauthenticated`.
   */
  async homeNetwork(input: {
    devEui: string;
    credential: PeerCredentialInput;
    senderNetId: string;
    senderNsId: string | null;
  }): Promise<{ netId: string; nsId: string | null }> {
    await this.authenticatePeer(input.credential);
    const ns = await this.networkServer(input.credential, input.senderNetId, input.senderNsId);
    if (ns === null) throw claimsErrors.no_roaming_agreement();
    const device = await this.ctx.store.getDeviceBinding(parseDevEuiArg(input.devEui));
    if (device === undefined || device.state !== 'claimed' || device.networkServerId === null)
      throw claimsErrors.no_roaming_agreement();
    if (device.networkServerId === ns.id) return { netId: ns.netId ?? '', nsId: ns.nsId };
    if (!(await this.hasRoamingAgreement(device, ns.netId))) throw claimsErrors.no_roaming_agreement();
    const home = await this.ctx.store.getPeer(device.networkServerId);
    if (home === undefined || home.kind !== 'network-server') throw claimsErrors.no_roaming_agreement();
    return { netId: home.netId ?? '', nsId: home.nsId };
  }

  /** Whether the device's owner allows NSs of `netId` to learn its home network (per device or per account). */
  private async hasRoamingAgreement(device: DeviceBinding, netId: string | null): Promise<boolean> {
    if (netId === null || device.accountId === null) return false;
    if (device.roamingNetIds?.includes(netId) === true) return true;
    const account = await this.ctx.store.getAccount(device.accountId);
    return account?.roamingNetIds?.includes(netId) === true;
  }

  async issueServerCertificate(
    hostnames: readonly string[],
  ): Promise<IssuedCertificate & { caCertPem: string }> {
    const cert = await this.ctx.ca.issueServerCertificate(hostnames);
    return { ...cert, caCertPem: this.ctx.ca.caCertPem() };
  }

  /** The gateway's client certificate for asynchronous answers sent as `joinEui` (CN = the JoinEUI). */
  async issueAsyncClientCertificate(joinEui: string): Promise<IssuedCertificate & { caCertPem: string }> {
    const eui = normalizeEui(joinEui);
    if (eui === null) throw claimsErrors.invalid_argument({ field: 'join_eui', reason: 'must be 8 bytes' });
    const cert = await this.ctx.ca.issueJoinServerClientCertificate(eui);
    return { ...cert, caCertPem: this.ctx.ca.caCertPem() };
  }
}
