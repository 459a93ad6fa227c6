import { claimsErrors } from '../../domain/errors.js';
import type {
  AccountRecord,
  ApiKeyRecord,
  BundleRecord,
  CaRecord,
  DeviceBinding,
  DeviceRecord,
  JoinActivityRecord,
  PeerRecord,
} from '../../domain/model.js';
import type {
  AttemptPolicy,
  AttemptReservation,
  ClaimsStore,
  DevicePage,
  JoinOutcome,
  RecordedJoin,
} from '../../domain/ports.js';
import {
  activationKey,
  parseActivation,
  withActivation,
  withoutFacts,
  withFacts,
  withoutActivation,
  type JoinEntry,
} from './activation.js';
import { KvAccessStore } from './kv-access-store.js';
import type { KvBackend } from './kv-backend.js';
import { withEntries, type ListEntry } from './bounded-list.js';
import { matchesDeviceQuery, positionBeforePrefix, type DeviceQuery } from '../../domain/device-query.js';

/**
 * Key layout (the Redis backend prefixes every key with `claims:`):
 * - `dev:{<DEVEUI>}` device (the hash tag keeps a device's keys on one Redis Cluster slot), `act:{<DEVEUI>}` its
 *   activation facts (activation.ts), `attempt:dev:{<DEVEUI>}` its claim attempts from all accounts
 * - claim attempts: `attempt:acct:<id>`, `attempt:acct-dev:<id>:<DEVEUI>` (sliding windows, `reserveAttempt`)
 * - `acct:<id>`, `key:<id>`, `keyhash:<sha256>` → key id, `peer:<id>`, `cred:<sha256>` → peer id, `ca`
 * - `bundle:<id>` a sealed credentials archive, `joins:{<DEVEUI>}` the device's last join activity: a bounded list
 *   (`KvBackend.appendToList`); the plain value of that key is the old shape (one JSON array), converted on the
 *   device's next join event
 * - indexes: `idx:bundles`, `idx:accounts`, `idx:acct-devs:<id>`, `idx:batch-devs:<id>`, `idx:keys:<account|->`,
 *   `idx:peers:<account>`, `idx:peers`, `idx:pending` (DevEUIs with a non-empty outbox)
 * Indexes are written around the atomic single-key updates and re-checked on read, so a stale index entry never
 * shows a wrong record; `idx:pending` is added before the outbox write so no pending event is forgotten.
 */
export const deviceKey = (devEui: string): string => `dev:{${devEui}}`;

const activityEntry = (a: JoinActivityRecord): ListEntry => ({
  id: a.eventId,
  time: a.time,
  value: JSON.stringify(a),
});

const maxCasAttempts = 50;
const maxKnownCredentials = 10_000;

interface Codec<T> {
  decode(raw: string): T;
  encode(value: T): string;
}

const json: Codec<never> = {
  decode: (raw) => JSON.parse(raw) as never,
  encode: (value) => JSON.stringify(value),
};

/** The device part of a device; its activation facts are read from their own record and never written here. */
const deviceCodec: Codec<DeviceRecord> = {
  decode: (raw) => withActivation(raw, undefined),
  encode: withoutActivation,
};

export class KvClaimsStore implements ClaimsStore {
  /**
   * Credential hash → peer id, for credentials found active. A hash names one peer for good (it hashes a random
   * token or a certificate Joinery's CA issued once), so only the peer record, read on every lookup, decides whether
   * the credential is still active: a revocation takes effect at once, on every instance. Saves the Authorize of
   * every join one Redis round trip.
   */
  private readonly peerIdByCredential = new Map<string, string>();

  readonly access: KvAccessStore;

  constructor(private readonly kv: KvBackend) {
    this.access = new KvAccessStore(kv);
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.kv.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /**
   * Read, change, compare-and-swap on the stored text, retried on conflict. `change` returning undefined leaves the
   * record as it is.
   */
  private async swapJson<T>(
    key: string,
    change: (current: T) => T | undefined,
    before?: (next: T, raw: string) => Promise<void>,
    codec: Codec<T> = json,
  ): Promise<{ previous: T; next: T } | undefined> {
    for (let attempt = 0; attempt < maxCasAttempts; attempt += 1) {
      const raw = await this.kv.get(key);
      if (raw === undefined) return undefined;
      const current = codec.decode(raw);
      const next = change(current);
      if (next === undefined) return { previous: current, next: current };
      if (before) await before(next, raw);
      if (await this.kv.compareAndSwap(key, raw, codec.encode(next))) return { previous: current, next };
    }
    throw claimsErrors.conflict({ key });
  }

  /** `swapJson` for records with a revision, which goes up by one with every change. */
  private update<T extends { readonly rev: number }>(
    key: string,
    change: (current: T) => T | undefined,
    before?: (next: T, raw: string) => Promise<void>,
    codec?: Codec<T>,
  ): Promise<{ previous: T; next: T } | undefined> {
    return this.swapJson<T>(
      key,
      (current) => {
        const changed = change(current);
        return changed === undefined ? undefined : { ...changed, rev: current.rev + 1 };
      },
      before,
      codec,
    );
  }

  async getDevice(devEui: string): Promise<DeviceRecord | undefined> {
    const [raw, activation] = await this.kv.getMany([deviceKey(devEui), activationKey(devEui)]);
    return raw === undefined ? undefined : withActivation(raw, activation);
  }

  async getDeviceBinding(devEui: string): Promise<DeviceBinding | undefined> {
    const raw = await this.kv.get(deviceKey(devEui));
    return raw === undefined ? undefined : withoutFacts(raw);
  }

  async recordJoins(joins: readonly RecordedJoin[]): Promise<JoinOutcome[]> {
    const entries: JoinEntry[] = joins.map((j) => ({
      activationKey: activationKey(j.devEui),
      deviceKey: deviceKey(j.devEui),
      eventId: j.eventId,
      time: j.time.toISOString(),
    }));
    return this.kv.recordJoins(entries);
  }

  async insertDevices(devices: readonly DeviceRecord[]): Promise<void> {
    const pending = devices.filter((d) => d.outbox.length > 0).map((d) => d.devEui);
    if (pending.length > 0) await this.kv.indexAdd('idx:pending', pending);
    const conflict = await this.kv.insertAllIfAbsent(
      devices.map((d) => [deviceKey(d.devEui), withoutActivation(d)]),
    );
    if (conflict !== undefined) {
      const devEui = conflict.slice('dev:{'.length, -1);
      throw claimsErrors.device_exists({ devEui });
    }
    const byIndex = new Map<string, string[]>();
    for (const d of devices) {
      const indexes = [`idx:batch-devs:${d.batchId}`];
      if (d.accountId !== null) indexes.push(`idx:acct-devs:${d.accountId}`);
      for (const idx of indexes) byIndex.set(idx, [...(byIndex.get(idx) ?? []), d.devEui]);
    }
    for (const [idx, members] of byIndex) await this.kv.indexAdd(idx, members);
  }

  async updateDevice(
    devEui: string,
    change: (current: DeviceRecord) => DeviceRecord | undefined,
  ): Promise<DeviceRecord | undefined> {
    const result = await this.update<DeviceRecord>(
      deviceKey(devEui),
      change,
      async (next) => {
        if (next.outbox.length > 0) await this.kv.indexAdd('idx:pending', [devEui]);
        if (next.accountId !== null) await this.kv.indexAdd(`idx:acct-devs:${next.accountId}`, [devEui]);
      },
      deviceCodec,
    );
    if (result === undefined) return undefined;
    const { previous, next } = result;
    if (previous.accountId !== null && previous.accountId !== next.accountId)
      await this.kv.indexRemove(`idx:acct-devs:${previous.accountId}`, devEui);
    if (previous.outbox.length > 0 && next.outbox.length === 0)
      await this.kv.indexRemove('idx:pending', devEui);
    // What `change` returned, with the stored activation facts (it cannot change them). Without an activation record
    // they are the ones `previous` was read with: none, or those of a device in the old format left unchanged.
    const activation = await this.kv.get(activationKey(devEui));
    return withFacts(next, activation === undefined ? previous : parseActivation(activation));
  }

  async listDevices(
    filter: { readonly accountId: string } | { readonly batchId: string },
    page: { readonly limit: number; readonly after: string | null },
    query: DeviceQuery = {},
  ): Promise<DevicePage> {
    const index =
      'accountId' in filter ? `idx:acct-devs:${filter.accountId}` : `idx:batch-devs:${filter.batchId}`;
    const matches = (d: DeviceRecord) =>
      ('accountId' in filter ? d.accountId === filter.accountId : d.batchId === filter.batchId) &&
      matchesDeviceQuery(d, query);
    const prefix = query.devEuiPrefix;
    const inRange = (devEui: string) => prefix === undefined || devEui.startsWith(prefix);
    const devices: DeviceRecord[] = [];
    let after = page.after;
    if (prefix !== undefined) {
      const start = positionBeforePrefix(prefix);
      if (after === null || (start !== null && after < start)) after = start;
    }
    // Filters may skip most of an index: read in chunks of at least 100 rather than one short page at a time.
    const chunk = Math.max(page.limit, 100);
    for (;;) {
      const read = await this.kv.indexRange(index, after, chunk);
      const members = read.filter(inRange);
      const ended = read.length < chunk || members.length < read.length;
      const raws = await this.kv.getMany([...members.map(deviceKey), ...members.map(activationKey)]);
      for (let i = 0; i < members.length; i += 1) {
        const raw = raws[i];
        if (raw === undefined) continue;
        const d = withActivation(raw, raws[members.length + i]);
        if (!matches(d)) continue;
        devices.push(d);
        if (devices.length === page.limit) {
          const last = members[i] as string;
          const rest = members.length > i + 1 ? members.slice(i + 1) : [];
          if (rest.length > 0) return { devices, next: last };
          if (ended) return { devices, next: null };
          const more = (await this.kv.indexRange(index, last, 1)).filter(inRange);
          return { devices, next: more.length > 0 ? last : null };
        }
      }
      if (ended || read.length === 0) return { devices, next: null };
      after = read[read.length - 1] ?? null;
    }
  }

  async *devicesWithPendingEvents(): AsyncIterable<string> {
    let after: string | null = null;
    for (;;) {
      const members = await this.kv.indexRange('idx:pending', after, 500);
      if (members.length === 0) return;
      yield* members;
      after = members[members.length - 1] ?? null;
    }
  }

  async putAccount(account: AccountRecord): Promise<void> {
    await this.kv.put(`acct:${account.id}`, JSON.stringify(account));
    await this.kv.indexAdd('idx:accounts', [account.id]);
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    return this.getJson<AccountRecord>(`acct:${id}`);
  }

  async listAccounts(): Promise<readonly AccountRecord[]> {
    const ids = await this.kv.indexRange('idx:accounts', null, 100_000);
    const raws = await this.kv.getMany(ids.map((id) => `acct:${id}`));
    return raws.filter((r): r is string => r !== undefined).map((r) => JSON.parse(r) as AccountRecord);
  }

  async putApiKey(key: ApiKeyRecord): Promise<void> {
    const previous = await this.getApiKey(key.id);
    await this.kv.put(`key:${key.id}`, JSON.stringify(key));
    if (key.revoked) await this.kv.delete(`keyhash:${key.keyHash}`);
    else await this.kv.put(`keyhash:${key.keyHash}`, key.id);
    if (previous === undefined) await this.kv.indexAdd(`idx:keys:${key.accountId ?? '-'}`, [key.id]);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.getJson<ApiKeyRecord>(`key:${id}`);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const id = await this.kv.get(`keyhash:${keyHash}`);
    if (id === undefined) return undefined;
    const key = await this.getApiKey(id);
    return key !== undefined && key.keyHash === keyHash && !key.revoked ? key : undefined;
  }

  async listApiKeys(accountId: string | null): Promise<readonly ApiKeyRecord[]> {
    const ids = await this.kv.indexRange(`idx:keys:${accountId ?? '-'}`, null, 100_000);
    const raws = await this.kv.getMany(ids.map((id) => `key:${id}`));
    return raws.filter((r): r is string => r !== undefined).map((r) => JSON.parse(r) as ApiKeyRecord);
  }

  private async indexCredentials(peer: PeerRecord): Promise<void> {
    for (const c of peer.credentials) {
      if (c.revoked) await this.kv.delete(`cred:${c.hash}`);
      else await this.kv.put(`cred:${c.hash}`, peer.id);
    }
  }

  async insertPeer(peer: PeerRecord): Promise<void> {
    const conflict = await this.kv.insertAllIfAbsent([[`peer:${peer.id}`, JSON.stringify(peer)]]);
    if (conflict !== undefined) throw claimsErrors.invalid_argument({ field: 'id', reason: 'exists' });
    await this.indexCredentials(peer);
    await this.kv.indexAdd(`idx:peers:${peer.accountId}`, [peer.id]);
    await this.kv.indexAdd('idx:peers', [peer.id]);
  }

  async getPeer(id: string): Promise<PeerRecord | undefined> {
    return this.getJson<PeerRecord>(`peer:${id}`);
  }

  async updatePeer(
    id: string,
    change: (current: PeerRecord) => PeerRecord | undefined,
  ): Promise<PeerRecord | undefined> {
    const result = await this.update<PeerRecord>(`peer:${id}`, change);
    if (result === undefined) return undefined;
    await this.indexCredentials(result.next);
    return result.next;
  }

  async findPeerByCredential(hash: string): Promise<PeerRecord | undefined> {
    const known = this.peerIdByCredential.get(hash);
    const id = known ?? (await this.kv.get(`cred:${hash}`));
    if (id === undefined) return undefined;
    const peer = await this.getPeer(id);
    if (!peer?.credentials.some((c) => c.hash === hash && !c.revoked)) {
      this.peerIdByCredential.delete(hash);
      return undefined;
    }
    if (known === undefined) {
      if (this.peerIdByCredential.size >= maxKnownCredentials)
        this.peerIdByCredential.delete(this.peerIdByCredential.keys().next().value ?? '');
      this.peerIdByCredential.set(hash, id);
    }
    return peer;
  }

  async listPeers(accountId: string | null): Promise<readonly PeerRecord[]> {
    const ids = await this.kv.indexRange(
      accountId === null ? 'idx:peers' : `idx:peers:${accountId}`,
      null,
      100_000,
    );
    const raws = await this.kv.getMany(ids.map((id) => `peer:${id}`));
    return raws.filter((r): r is string => r !== undefined).map((r) => JSON.parse(r) as PeerRecord);
  }

  async insertBundle(bundle: BundleRecord): Promise<void> {
    await this.kv.indexAdd('idx:bundles', [bundle.id]);
    const conflict = await this.kv.insertAllIfAbsent([[`bundle:${bundle.id}`, JSON.stringify(bundle)]]);
    if (conflict !== undefined) throw claimsErrors.invalid_argument({ field: 'id', reason: 'exists' });
  }

  async sweepBundles(now: Date, keepMs: number): Promise<void> {
    let after: string | null = null;
    for (;;) {
      const ids = await this.kv.indexRange('idx:bundles', after, 500);
      if (ids.length === 0) return;
      for (const id of ids) {
        const bundle = await this.getBundle(id);
        const expiry = bundle === undefined ? 0 : Date.parse(bundle.expiresAt);
        if (bundle === undefined || now.getTime() >= expiry + keepMs) {
          await this.kv.delete(`bundle:${id}`);
          await this.kv.indexRemove('idx:bundles', id);
        } else if (bundle.sealed !== null && now.getTime() >= expiry)
          await this.updateBundle(id, (b) => (b.sealed === null ? undefined : { ...b, sealed: null }));
      }
      after = ids[ids.length - 1] ?? null;
    }
  }

  async getBundle(id: string): Promise<BundleRecord | undefined> {
    return this.getJson<BundleRecord>(`bundle:${id}`);
  }

  async updateBundle(
    id: string,
    change: (current: BundleRecord) => BundleRecord | undefined,
  ): Promise<BundleRecord | undefined> {
    return (await this.swapJson<BundleRecord>(`bundle:${id}`, change))?.next;
  }

  /**
   * One append per device, whatever the number of its entries, and the devices side by side: their commands go out
   * together (one write to Redis with auto-pipelining). An append adds the new entries and cuts the list to `keep`
   * without reading or rewriting the entries already kept (`KvBackend.appendToList`).
   */
  async recordJoinActivity(
    entries: readonly { readonly devEui: string; readonly activity: JoinActivityRecord }[],
    keep: number,
  ): Promise<void> {
    const byDevice = new Map<string, ListEntry[]>();
    for (const { devEui, activity } of entries) {
      const list = byDevice.get(devEui);
      if (list === undefined) byDevice.set(devEui, [activityEntry(activity)]);
      else list.push(activityEntry(activity));
    }
    await Promise.all(
      [...byDevice].map(([devEui, activities]) => this.addJoinActivity(devEui, activities, keep)),
    );
  }

  private async addJoinActivity(devEui: string, entries: readonly ListEntry[], keep: number): Promise<void> {
    const key = `joins:{${devEui}}`;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt >= maxCasAttempts) throw claimsErrors.conflict({ key });
      if (await this.kv.appendToList(key, entries, keep)) return;
      // The device's activity is still one JSON array (written by an earlier release): converted by this append,
      // its entries first, as they were the list's.
      const raw = await this.kv.get(key);
      if (raw === undefined) continue;
      const stored = (JSON.parse(raw) as JoinActivityRecord[]).map(activityEntry);
      if (await this.kv.appendToList(key, [...stored, ...entries], keep, raw)) return;
    }
  }

  async joinActivity(devEui: string): Promise<readonly JoinActivityRecord[]> {
    const { plain, values } = await this.kv.readList(`joins:{${devEui}}`);
    const list = values.map((v) => JSON.parse(v) as JoinActivityRecord);
    if (plain === undefined) return list;
    const stored = JSON.parse(plain) as JoinActivityRecord[];
    if (list.length === 0) return stored;
    // Both shapes (an earlier release wrote the array after this one's first append): what converting it gives.
    const current = list.map(activityEntry);
    const merged = withEntries(current, stored.map(activityEntry), Number.MAX_SAFE_INTEGER) ?? current;
    return merged.map((e) => JSON.parse(e.value) as JoinActivityRecord);
  }

  async ensureCa(candidate: CaRecord): Promise<CaRecord> {
    await this.kv.insertAllIfAbsent([['ca', JSON.stringify(candidate)]]);
    const stored = await this.getCa();
    if (stored === undefined) throw claimsErrors.conflict({ key: 'ca' });
    return stored;
  }

  async getCa(): Promise<CaRecord | undefined> {
    return this.getJson<CaRecord>('ca');
  }

  // Per-device counters carry the DevEUI as hash tag, like every per-device key.
  private attemptKey(key: string): string {
    return key.startsWith('dev:') ? `attempt:dev:{${key.slice(4)}}` : `attempt:${key}`;
  }

  async reserveAttempt(key: string, nowMs: number, policy: AttemptPolicy): Promise<AttemptReservation> {
    return this.kv.reserveAttempt(this.attemptKey(key), nowMs, policy);
  }

  async releaseAttempt(key: string, token: string): Promise<void> {
    await this.kv.releaseAttempt(this.attemptKey(key), token);
  }

  async close(): Promise<void> {
    await this.kv.close();
  }
}
