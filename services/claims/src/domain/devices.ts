import { claimsErrors } from './errors.js';
import { validateBatch, type BatchRowInput } from './batch.js';
import {
  actingAccount,
  newDeviceEvent,
  parseDevEuiArg,
  requireAdmin,
  type ClaimsContext,
} from './context.js';
import { isStorableEventId, normalizeEui, normalizeHex } from './identifiers.js';
import type { DeviceRecord, PeerKind, PeerRecord, Principal } from './model.js';
import type {
  AttemptPolicy,
  DevicePage,
  DevNonceResetRecord,
  JoinOutcome,
  NonceState,
  RecordedJoin,
} from './ports.js';
import type { DeviceQuery } from './device-query.js';
import { isRevokedPeer } from './peer-credentials.js';
import { isValidClaimCode, tr005Payload } from './qr-code.js';
import { parseRoamingNetIds } from './roaming.js';
import { generateId, hashClaimCode, verifyClaimCode } from './secrets.js';

export type AppliedJoinOutcome = JoinOutcome | 'ignored' | 'invalid';

export interface ImportBatchInput {
  readonly rows: readonly BatchRowInput[];
  readonly joinEui: string | null;
  readonly manufacturer: string;
  readonly batchId: string | null;
  readonly includeQrCodes: boolean;
  readonly profileId: string | null;
}

export interface AcceptedJoin {
  readonly eventId: string;
  readonly devEui: string;
  readonly accepted: boolean;
  readonly time: Date;
}

/** What an import says about a device; the rest of its record is the state of a device nobody has claimed yet. */
export type ImportedDeviceFacts = Pick<
  DeviceRecord,
  'devEui' | 'joinEui' | 'macVersion' | 'claimCodeHash' | 'batchId' | 'manufacturer' | 'outbox' | 'createdAt'
>;

/** A device as imported: unclaimed, never joined, at revision 1. */
export function importedDevice(facts: ImportedDeviceFacts): DeviceRecord {
  return {
    rev: 1,
    devEui: facts.devEui,
    joinEui: facts.joinEui,
    macVersion: facts.macVersion,
    claimCodeHash: facts.claimCodeHash,
    batchId: facts.batchId,
    manufacturer: facts.manufacturer,
    state: 'unclaimed',
    lockReason: null,
    accountId: null,
    networkServerId: null,
    applicationServerId: null,
    claimedAt: null,
    activated: false,
    joinCount: 0,
    lastJoinAt: null,
    outbox: facts.outbox,
    createdAt: facts.createdAt,
  };
}

function parseProfileId(value: string | null): string {
  if (value === null || value === '') return '00000000';
  const hex = normalizeHex(value, 4);
  if (hex === null)
    throw claimsErrors.invalid_argument({ field: 'profile_id', reason: 'must be 8 hex digits' });
  return hex;
}

/** Devices: manufacturer batches, claims, transfers, locks and activation facts. */
/** What an owner reads for a device that is not theirs: true of every case, and telling none of them apart. */
const notYoursMessage =
  'no device with this DevEUI in your account: it does not exist, is not claimed (claim it with its claim code), ' +
  "or is another account's";

export class Devices {
  constructor(private readonly ctx: ClaimsContext) {}

  /**
   * All or nothing: every row is validated first, then the root keys go to the keys service, then the devices are
   * stored; if storing fails, the root keys are deleted again.
   */
  async importBatch(
    principal: Principal,
    input: ImportBatchInput,
  ): Promise<{ imported: number; batchId: string; qrCodes: string[] }> {
    requireAdmin(principal);
    const rows = validateBatch(input.rows, input.joinEui);
    const profileId = parseProfileId(input.profileId);
    const batchId = input.batchId !== null && input.batchId !== '' ? input.batchId : generateId('batch');
    const existing = await Promise.all(rows.map((r) => this.ctx.store.getDevice(r.devEui)));
    const taken = existing.findIndex((d) => d !== undefined);
    if (taken >= 0)
      throw claimsErrors.invalid_batch({
        row: taken + 1,
        field: 'devEui',
        reason: 'a device with this DevEUI exists',
      });
    const hashes = await Promise.all(rows.map((r) => hashClaimCode(r.claimCode, this.ctx.scryptCost)));
    await this.ctx.keys.importRootKeys(
      rows.map((r) => ({ devEui: r.devEui, macVersion: r.macVersion, keys: r.keys })),
    );
    const now = this.ctx.clock.now();
    const devices = rows.map((r, i) =>
      importedDevice({
        devEui: r.devEui,
        joinEui: r.joinEui,
        macVersion: r.macVersion,
        claimCodeHash: hashes[i] as string,
        batchId,
        manufacturer: input.manufacturer,
        outbox: [
          newDeviceEvent(r.devEui, now, {
            kind: 'imported',
            joinEui: r.joinEui,
            batchId,
            macVersion: r.macVersion,
          }),
        ],
        createdAt: now.toISOString(),
      }),
    );
    try {
      await this.ctx.store.insertDevices(devices);
    } catch (err) {
      await this.ctx.keys.deleteRootKeys(rows.map((r) => r.devEui));
      throw err;
    }
    this.ctx.logger.info({ batch_id: batchId, devices: rows.length }, 'device batch imported');
    await this.ctx.flushOutbox(rows.map((r) => r.devEui));
    const qrCodes = input.includeQrCodes
      ? rows.map((r) =>
          tr005Payload({ joinEui: r.joinEui, devEui: r.devEui, profileId, ownerToken: r.claimCode }),
        )
      : [];
    return { imported: rows.length, batchId, qrCodes };
  }

  /** Registers a manufacturer transport KEK in the keys service; the key is returned once. */
  async registerTransportKek(
    principal: Principal,
    label: string,
    key: Uint8Array | null,
  ): Promise<Uint8Array> {
    requireAdmin(principal);
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(label))
      throw claimsErrors.invalid_argument({ field: 'label', reason: 'letters, digits and ._:- only' });
    if (key !== null && ![16, 24, 32].includes(key.length))
      throw claimsErrors.invalid_argument({ field: 'key', reason: 'must be 16, 24 or 32 bytes' });
    return this.ctx.keys.createKek(label, 'transport', key ?? undefined);
  }

  /**
   * The TR005 payload (the admin for any device, an owner for its own); the claim code (OwnerToken) only when the
   * caller supplies it and it matches.
   */
  async qrCode(
    principal: Principal,
    devEuiText: string,
    claimCode: string,
    profileId: string | null,
  ): Promise<string> {
    const device = await this.load(parseDevEuiArg(devEuiText), principal);
    this.assertOwner(principal, device);
    if (claimCode !== '' && !(await verifyClaimCode(claimCode, device.claimCodeHash)))
      throw claimsErrors.wrong_claim_code();
    return tr005Payload({
      joinEui: device.joinEui,
      devEui: device.devEui,
      profileId: parseProfileId(profileId),
      ownerToken: claimCode === '' ? null : claimCode,
    });
  }

  private async load(devEui: string, principal?: Principal): Promise<DeviceRecord> {
    const device = await this.ctx.store.getDevice(devEui);
    if (device === undefined)
      throw principal === undefined || principal.scope === 'admin'
        ? claimsErrors.unknown_device()
        : claimsErrors.unknown_device(undefined, notYoursMessage);
    return device;
  }

  /**
   * Admin, or the owner. Anyone else gets `claims:unknown_device`, as for a DevEUI that does not exist: another
   * account's device and no device look the same.
   */
  async getDevice(principal: Principal, devEuiText: string): Promise<DeviceRecord> {
    const device = await this.load(parseDevEuiArg(devEuiText), principal);
    this.assertOwner(principal, device);
    return device;
  }

  /**
   * Forgets the DevNonces of a device that lost its counter (owner or admin, with a reason). The keys service records
   * the reset with this principal as the actor, so the audit names who did it, not what a caller claims.
   */
  async resetDevNonces(
    principal: Principal,
    devEuiText: string,
    reasonText: string,
  ): Promise<DevNonceResetRecord> {
    const reason = reasonText.trim();
    if (reason === '' || reason.length > 500)
      throw claimsErrors.invalid_argument({ field: 'reason', reason: 'required, 1 to 500 characters' });
    const device = await this.getDevice(principal, devEuiText);
    const reset = await this.ctx.keys.resetDevNonces(device.devEui, actorOf(principal), reason);
    this.ctx.logger.warn(
      { dev_eui: device.devEui, actor: reset.actor, last_dev_nonce: reset.lastDevNonce },
      'dev nonces reset by request',
    );
    return reset;
  }

  /** The nonce state of a device and its resets (owner or admin). */
  async nonceState(principal: Principal, devEuiText: string): Promise<NonceState> {
    const device = await this.getDevice(principal, devEuiText);
    return this.ctx.keys.nonceState(device.devEui);
  }

  async listDevices(
    principal: Principal,
    input: {
      accountId: string | null;
      batchId: string | null;
      pageSize: number;
      pageToken: string | null;
      query?: DeviceQuery;
    },
  ): Promise<DevicePage> {
    // Ids and tokens end up in store keys, which have a size limit: an over-long one is bad input, not a store error.
    for (const [field, value] of [
      ['account_id', input.accountId],
      ['batch_id', input.batchId],
      ['page_token', input.pageToken],
    ] as const)
      if (value !== null && value.length > 128)
        throw claimsErrors.invalid_argument({ field, reason: 'at most 128 characters' });
    const limit = input.pageSize === 0 ? 100 : Math.min(input.pageSize, 1000);
    const after = input.pageToken === null || input.pageToken === '' ? null : input.pageToken;
    const query = input.query ?? {};
    if (query.networkServerId !== undefined && query.networkServerId.length > 128)
      throw claimsErrors.invalid_argument({ field: 'network_server_id', reason: 'at most 128 characters' });
    if (principal.scope !== 'admin')
      return this.ctx.store.listDevices({ accountId: actingAccount(principal) }, { limit, after }, query);
    if (input.accountId !== null && input.accountId !== '')
      return this.ctx.store.listDevices({ accountId: input.accountId }, { limit, after }, query);
    if (input.batchId !== null && input.batchId !== '')
      return this.ctx.store.listDevices({ batchId: input.batchId }, { limit, after }, query);
    throw claimsErrors.invalid_argument({
      field: 'account_id',
      reason: 'admins list by account_id or batch_id',
    });
  }

  private async ownPeer(accountId: string, id: string, kind: PeerKind): Promise<PeerRecord> {
    const peer = id === '' ? undefined : await this.ctx.store.getPeer(id);
    if (peer === undefined || peer.accountId !== accountId || peer.kind !== kind || isRevokedPeer(peer))
      throw kind === 'network-server'
        ? claimsErrors.unknown_network_server()
        : claimsErrors.unknown_application_server();
    return peer;
  }

  /**
   * Reserves one guess of `accountId` on `devEui` before anything is evaluated, atomically in the store, so racing
   * claims evaluate at most what the limits allow: per account and DevEUI, per account, and per DevEUI. The per-DevEUI
   * budget applies only to accounts that already count a try on this DevEUI, so another account's guesses slow the
   * guessers, never the owner's first try with the right code. Returns the release for a claim that succeeds.
   */
  private async reserveGuess(accountId: string, devEui: string): Promise<() => Promise<void>> {
    const limits = this.ctx.rateLimit;
    const now = this.ctx.clock.now().getTime();
    const free = limits.freeFailures ?? 3;
    const baseDelayMs = limits.backoffBaseMs ?? 1000;
    const own = { limit: limits.maxFailures, windowMs: limits.windowMs, free, baseDelayMs };
    const accountLimit = limits.maxAccountFailures ?? 5 * limits.maxFailures;
    const perAccount = {
      limit: accountLimit,
      windowMs: limits.windowMs,
      free: Math.max(free, accountLimit - free),
      baseDelayMs,
    };
    const deviceLimit = limits.maxDeviceFailures ?? 3 * limits.maxFailures;
    const shared = {
      limit: deviceLimit,
      windowMs: limits.windowMs,
      free: Math.max(free, deviceLimit - limits.maxFailures),
      baseDelayMs,
    };
    const held: { key: string; token: string }[] = [];
    const release = async () => {
      await Promise.all(held.map((h) => this.ctx.store.releaseAttempt(h.key, h.token)));
    };
    const take = async (key: string, policy: AttemptPolicy): Promise<number> => {
      const reservation = await this.ctx.store.reserveAttempt(key, now, policy);
      if (!reservation.granted) {
        await release();
        throw claimsErrors.rate_limited({
          retry_after_s: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)),
        });
      }
      held.push({ key, token: reservation.token });
      return reservation.count;
    };
    const onDevice = await take(`acct-dev:${accountId}:${devEui}`, own);
    await take(`acct:${accountId}`, perAccount);
    if (onDevice > 1) await take(`dev:${devEui}`, shared);
    return release;
  }

  /**
   * DevEUI + claim code → the device is bound to one of the caller's NSs. The code is checked before the state, so
   * `already_claimed` is only told to someone who knows the code. Unknown DevEUIs and wrong codes count as failures
   * (`reserveGuess`: sliding windows with exponential backoff; refusals are `claims:rate_limited` with
   * `retry_after_s`).
   */
  async claim(
    principal: Principal,
    input: {
      devEui: string;
      claimCode: string;
      networkServerId: string;
      applicationServerId: string | null;
      /** From a TR005 QR code: must be the device's (checked with the code, answered as an unknown device). */
      joinEui?: string | null;
    },
  ): Promise<DeviceRecord> {
    if (principal.scope !== 'owner')
      throw claimsErrors.permission_denied({ reason: 'claims are made by owner accounts' });
    const accountId = actingAccount(principal);
    const devEui = parseDevEuiArg(input.devEui);
    const releaseGuess = await this.reserveGuess(accountId, devEui);
    const device = await this.ctx.store.getDevice(devEui);
    if (device === undefined) throw claimsErrors.unknown_device();
    if (!isValidClaimCode(input.claimCode) || !(await verifyClaimCode(input.claimCode, device.claimCodeHash)))
      throw claimsErrors.wrong_claim_code();
    if (
      input.joinEui !== undefined &&
      input.joinEui !== null &&
      normalizeEui(input.joinEui) !== device.joinEui
    )
      throw claimsErrors.unknown_device();
    // The code was right: this was no guess, whatever comes next.
    await releaseGuess();
    const ns = await this.ownPeer(accountId, input.networkServerId, 'network-server');
    const as =
      input.applicationServerId === null || input.applicationServerId === ''
        ? null
        : await this.ownPeer(accountId, input.applicationServerId, 'application-server');
    const now = this.ctx.clock.now();
    const updated = await this.ctx.store.updateDevice(devEui, (current) => {
      if (current.state === 'locked') throw claimsErrors.device_locked();
      if (current.state === 'claimed') throw claimsErrors.already_claimed();
      return {
        ...current,
        state: 'claimed',
        accountId,
        networkServerId: ns.id,
        applicationServerId: as?.id ?? null,
        claimedAt: now.toISOString(),
        roamingNetIds: [],
        outbox: [
          ...current.outbox,
          newDeviceEvent(devEui, now, {
            kind: 'claimed',
            accountId,
            networkServerId: ns.id,
            applicationServerId: as?.id ?? null,
          }),
        ],
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_device();
    this.ctx.logger.info(
      { dev_eui: devEui, account_id: accountId, network_server_id: ns.id },
      'device claimed',
    );
    await this.ctx.flushOutbox([devEui]);
    return updated;
  }

  /**
   * Not the owner (nor an admin): `claims:unknown_device`, the answer for a DevEUI that does not exist, with one
   * message for an unknown, an unclaimed and another account's device (which of them it is stays hidden).
   */
  private assertOwner(principal: Principal, device: DeviceRecord): void {
    if (principal.scope === 'admin') return;
    if (device.accountId === null || device.accountId !== principal.accountId)
      throw claimsErrors.unknown_device(undefined, notYoursMessage);
  }

  /** The owner (or an admin) releases the device: claimable again, bound to no NS. */
  async unclaim(principal: Principal, devEuiText: string): Promise<void> {
    const devEui = parseDevEuiArg(devEuiText);
    this.assertOwner(principal, await this.load(devEui, principal));
    const now = this.ctx.clock.now();
    await this.ctx.store.updateDevice(devEui, (current) => {
      this.assertOwner(principal, current);
      if (current.accountId === null) throw claimsErrors.not_claimed();
      if (current.state === 'locked') throw claimsErrors.device_locked();
      return {
        ...current,
        state: 'unclaimed',
        accountId: null,
        networkServerId: null,
        applicationServerId: null,
        claimedAt: null,
        roamingNetIds: [],
        outbox: [
          ...current.outbox,
          newDeviceEvent(devEui, now, { kind: 'unclaimed', accountId: current.accountId }),
        ],
      };
    });
    this.ctx.logger.info({ dev_eui: devEui }, 'device unclaimed');
    await this.ctx.flushOutbox([devEui]);
  }

  /** Binds the device to another NS of the same owner; the old NS is refused from the next join on. */
  async transfer(
    principal: Principal,
    input: { devEui: string; networkServerId: string; applicationServerId: string | null },
  ): Promise<DeviceRecord> {
    const devEui = parseDevEuiArg(input.devEui);
    const device = await this.load(devEui, principal);
    this.assertOwner(principal, device);
    if (device.accountId === null) throw claimsErrors.not_claimed();
    const ns = await this.ownPeer(device.accountId, input.networkServerId, 'network-server');
    const as =
      input.applicationServerId === null || input.applicationServerId === ''
        ? null
        : await this.ownPeer(device.accountId, input.applicationServerId, 'application-server');
    const now = this.ctx.clock.now();
    const updated = await this.ctx.store.updateDevice(devEui, (current) => {
      this.assertOwner(principal, current);
      if (current.state === 'locked') throw claimsErrors.device_locked();
      if (current.state !== 'claimed' || current.accountId !== device.accountId)
        throw claimsErrors.not_claimed();
      const applicationServerId = as?.id ?? current.applicationServerId;
      if (current.networkServerId === ns.id && applicationServerId === current.applicationServerId)
        return undefined;
      return {
        ...current,
        networkServerId: ns.id,
        applicationServerId,
        outbox: [
          ...current.outbox,
          newDeviceEvent(devEui, now, {
            kind: 'transferred',
            accountId: current.accountId ?? '',
            fromNetworkServerId: current.networkServerId ?? '',
            toNetworkServerId: ns.id,
          }),
        ],
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_device();
    this.ctx.logger.info({ dev_eui: devEui, network_server_id: ns.id }, 'device transferred');
    await this.ctx.flushOutbox([devEui]);
    return updated;
  }

  /**
   * Replaces the roaming agreements of a claimed device (owner or admin): NSs registered with one of these NetIDs get
   * its home network (HomeNSReq) besides its own NS.
   */
  async setRoaming(
    principal: Principal,
    devEuiText: string,
    netIdTexts: readonly string[],
  ): Promise<readonly string[]> {
    const netIds = parseRoamingNetIds(netIdTexts);
    const devEui = parseDevEuiArg(devEuiText);
    this.assertOwner(principal, await this.load(devEui, principal));
    const updated = await this.ctx.store.updateDevice(devEui, (current) => {
      this.assertOwner(principal, current);
      if (current.accountId === null) throw claimsErrors.not_claimed();
      return { ...current, roamingNetIds: netIds };
    });
    if (updated === undefined) throw claimsErrors.unknown_device();
    this.ctx.logger.info({ dev_eui: devEui, net_ids: netIds }, 'device roaming agreements set');
    return netIds;
  }

  async roaming(principal: Principal, devEuiText: string): Promise<readonly string[]> {
    return (await this.getDevice(principal, devEuiText)).roamingNetIds ?? [];
  }

  async lock(principal: Principal, devEuiText: string, reason: string): Promise<DeviceRecord> {
    requireAdmin(principal);
    const devEui = parseDevEuiArg(devEuiText);
    const now = this.ctx.clock.now();
    const updated = await this.ctx.store.updateDevice(devEui, (current) => {
      if (current.state === 'locked') return undefined;
      return {
        ...current,
        state: 'locked',
        lockReason: reason,
        outbox: [...current.outbox, newDeviceEvent(devEui, now, { kind: 'locked', reason })],
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_device();
    await this.ctx.flushOutbox([devEui]);
    return updated;
  }

  /** Back to CLAIMED when the device still has an owner, UNCLAIMED otherwise. */
  async unlock(principal: Principal, devEuiText: string): Promise<DeviceRecord> {
    requireAdmin(principal);
    const devEui = parseDevEuiArg(devEuiText);
    const now = this.ctx.clock.now();
    const updated = await this.ctx.store.updateDevice(devEui, (current) => {
      if (current.state !== 'locked') throw claimsErrors.not_locked();
      return {
        ...current,
        state: current.accountId === null ? 'unclaimed' : 'claimed',
        lockReason: null,
        outbox: [...current.outbox, newDeviceEvent(devEui, now, { kind: 'unlocked' })],
      };
    });
    if (updated === undefined) throw claimsErrors.unknown_device();
    await this.ctx.flushOutbox([devEui]);
    return updated;
  }

  /**
   * Records ACCEPTED joins in the devices' activation facts, each once per event id, in order; one outcome per join:
   * `ignored` for a refused join, `invalid` for a DevEUI or event id that cannot be right.
   */
  async applyJoinEvents(joins: readonly AcceptedJoin[]): Promise<AppliedJoinOutcome[]> {
    const outcomes: AppliedJoinOutcome[] = [];
    const recorded: RecordedJoin[] = [];
    const at: number[] = [];
    for (const join of joins) {
      const devEui = normalizeEui(join.devEui);
      if (!join.accepted) outcomes.push('ignored');
      else if (devEui === null || !isStorableEventId(join.eventId) || Number.isNaN(join.time.getTime()))
        outcomes.push('invalid');
      else {
        at.push(outcomes.length);
        outcomes.push('applied');
        recorded.push({ devEui, eventId: join.eventId, time: join.time });
      }
    }
    if (recorded.length === 0) return outcomes;
    const stored = await this.ctx.store.recordJoins(recorded);
    at.forEach((i, n) => (outcomes[i] = stored[n] ?? 'unknown_device'));
    return outcomes;
  }

  /** One join event (the gRPC method); whether it changed anything. */
  async applyJoinEvent(join: AcceptedJoin): Promise<boolean> {
    const [outcome] = await this.applyJoinEvents([join]);
    if (outcome === 'invalid')
      throw claimsErrors.invalid_argument({
        field: 'event',
        reason: 'dev_eui must be 8 bytes, event_id 1–128 printable characters',
      });
    return outcome === 'applied';
  }
}

/** Who did it, for an audit record: the admin or the account, and the API key used. */
function actorOf(principal: Principal): string {
  return principal.scope === 'admin'
    ? `admin/${principal.apiKeyId}`
    : `account:${principal.accountId ?? ''}/${principal.apiKeyId}`;
}
