import { claimsErrors } from './errors.js';
import type { ClaimsContext } from './context.js';
import type { Peers } from './peers.js';
import type { BundleRecord, Principal } from './model.js';
import type { BundleSeal } from './ports.js';
import { generateId } from './secrets.js';

/** A bundle can be downloaded this long after it was stored. */
export const bundleLifetimeMs = 60 * 60 * 1000;
export const maxBundleBytes = 1024 * 1024;
/** Bundles of one peer waiting for their download at once (`JOINERY_CLAIMS_MAX_BUNDLES_PER_PEER`). */
export const defaultMaxBundlesPerPeer = 10;
/** How long an emptied bundle record is kept after its expiry. */
const tombstoneMs = 24 * 60 * 60 * 1000;

const sealContext = (bundle: Pick<BundleRecord, 'id' | 'peerId'>) => `bundle:${bundle.id}:${bundle.peerId}`;
/** The sliding-window counter of a peer's bundles waiting for their download (`ClaimsStore.reserveAttempt`). */
const slotsKey = (peerId: string) => `peer-bundles:${peerId}`;

/**
 * Credentials archives of a registration or rotation, kept sealed for one download within an hour. The archive holds
 * the show-once secrets, so claims never keeps it longer: taking it empties the record (the record itself stays
 * until its expiry, to tell a second download that it is gone rather than unknown). Each sealed archive holds up to
 * 1 MiB of store, so a peer holds at most `maxPerPeer` of them at once: a slot each, reserved atomically in a
 * sliding window of the bundle lifetime, freed by the download or by the expiry.
 */
export class Bundles {
  constructor(
    private readonly ctx: ClaimsContext,
    private readonly peers: Peers,
    private readonly seal: BundleSeal,
    private readonly maxPerPeer: number = defaultMaxBundlesPerPeer,
  ) {}

  async store(
    principal: Principal,
    peerId: string,
    archive: Uint8Array,
  ): Promise<{ id: string; expiresAt: Date }> {
    const peer = await this.peers.getPeer(principal, peerId);
    if (archive.length === 0 || archive.length > maxBundleBytes)
      throw claimsErrors.invalid_argument({ field: 'archive', reason: `1 byte to ${maxBundleBytes} bytes` });
    const now = this.ctx.clock.now();
    const slot = await this.ctx.store.reserveAttempt(slotsKey(peer.id), now.getTime(), {
      windowMs: bundleLifetimeMs,
      limit: this.maxPerPeer,
      free: this.maxPerPeer,
      baseDelayMs: 0,
    });
    if (!slot.granted)
      throw claimsErrors.too_many_bundles({
        limit: this.maxPerPeer,
        retry_after_s: Math.max(1, Math.ceil(slot.retryAfterMs / 1000)),
      });
    const id = generateId('bndl');
    const expiresAt = new Date(now.getTime() + bundleLifetimeMs);
    try {
      await this.ctx.store.insertBundle({
        id,
        accountId: peer.accountId,
        peerId: peer.id,
        sealed: this.seal.seal(archive, sealContext({ id, peerId: peer.id })),
        createdAt: now.toISOString(),
        expiresAt: expiresAt.toISOString(),
        takenAt: null,
        slot: slot.token,
      });
    } catch (err) {
      await this.ctx.store.releaseAttempt(slotsKey(peer.id), slot.token);
      throw err;
    }
    this.ctx.logger.info({ peer_id: peer.id, bundle_id: id }, 'credentials bundle stored');
    return { id, expiresAt };
  }

  /**
   * The archive, once: atomically emptied as it is taken, so of two racing downloads one gets it. Taken or expired:
   * `claims:bundle_gone`. Unknown, another peer's or another account's: `claims:unknown_bundle`.
   */
  async take(principal: Principal, peerId: string, bundleId: string): Promise<Uint8Array> {
    const found = bundleId.length > 128 ? undefined : await this.ctx.store.getBundle(bundleId);
    const visible =
      found !== undefined &&
      found.peerId === peerId &&
      (principal.scope === 'admin' || found.accountId === principal.accountId);
    if (!visible) throw claimsErrors.unknown_bundle();
    const now = this.ctx.clock.now();
    const taken: { sealed: string | null } = { sealed: null };
    await this.ctx.store.updateBundle(bundleId, (current) => {
      taken.sealed = null;
      if (current.sealed === null) return undefined;
      if (now.getTime() >= Date.parse(current.expiresAt)) return { ...current, sealed: null };
      taken.sealed = current.sealed;
      return { ...current, sealed: null, takenAt: now.toISOString() };
    });
    if (taken.sealed === null) throw claimsErrors.bundle_gone();
    if (found.slot !== undefined) await this.ctx.store.releaseAttempt(slotsKey(found.peerId), found.slot);
    this.ctx.logger.info({ peer_id: peerId, bundle_id: bundleId }, 'credentials bundle downloaded');
    return this.seal.unseal(taken.sealed, sealContext(found));
  }

  /**
   * Empties the bundles whose hour is over, and forgets them a day later (until then a download is told "gone"
   * rather than "unknown"). Run by the claims app's periodic sweep.
   */
  async sweep(): Promise<void> {
    await this.ctx.store.sweepBundles(this.ctx.clock.now(), tombstoneMs);
  }
}
