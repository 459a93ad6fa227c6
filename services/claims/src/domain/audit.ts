import type { Actor, AuditDetails, AuditEntry, AuditPage, AuditQuery } from './access-model.js';
import type { ClaimsContext } from './context.js';
import { claimsErrors } from './errors.js';
import { callerOf } from './grants.js';
import type { Principal } from './model.js';
import { generateId, sha256Hex } from './secrets.js';

const maxMs = 9_999_999_999_999;

/**
 * Ids sort newest first: the time counted down from the year 2286, then something unique (12 characters: ids stay
 * 30 characters long, short enough to be index members in every store, kv-access-store.ts).
 */
export function auditId(ms: number, unique: string): string {
  return `aud_${(maxMs - ms).toString().padStart(13, '0')}_${unique}`;
}

/** An accepted join as the keys service reported it: who got which device's session keys. */
export interface KeyRelease {
  readonly eventId: string;
  readonly devEui: string;
  readonly accountId: string | null;
  readonly networkServerId: string;
  readonly netId: string;
  readonly nsId: string;
  readonly joinKind: string;
  readonly time: Date;
}

export interface AuditInput {
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly sourceAddress: string | null;
  readonly details: AuditDetails;
  /** The account the change belongs to, when the principal has none (an operator acting in an account). */
  readonly accountId: string | null;
}

/**
 * How long the log is: without a bound, every join (`keys.released`) and every change of a tenant would grow the store
 * for ever. The count is per account, so no tenant's activity can push out another's entries.
 */
export interface AuditRetention {
  /** Entries older than this leave the log; 0: no age bound. */
  readonly maxAgeMs: number;
  /** Each account keeps its newest this many, and so do the entries of no account (the operator's). */
  readonly maxEntriesPerAccount: number;
}

export const defaultAuditRetention: AuditRetention = {
  maxAgeMs: 365 * 24 * 60 * 60 * 1000,
  maxEntriesPerAccount: 100_000,
};

const actionPattern = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const maxScan = 5000;
const pruneBatch = 500;

/** The audit log: management changes with actor, time and source address, and every release of session keys. */
export class Audit {
  constructor(
    private readonly ctx: ClaimsContext,
    private readonly retention: AuditRetention = defaultAuditRetention,
  ) {}

  /**
   * Removes the entries past the retention bounds (by age, then each account's beyond its count) and says how many.
   * Run by the claims app's periodic audit sweep, so between two sweeps an account can exceed its count by what it
   * appends in the meantime.
   */
  async sweep(): Promise<number> {
    const { access } = this.ctx.store;
    let removed = 0;
    const drain = async (bound: Parameters<typeof access.pruneAudit>[0]) => {
      for (;;) {
        const n = await access.pruneAudit(bound, pruneBatch);
        removed += n;
        if (n < pruneBatch) return;
      }
    };
    if (this.retention.maxAgeMs > 0) {
      const cutoff = Math.max(0, this.ctx.clock.now().getTime() - this.retention.maxAgeMs);
      await drain({ olderThan: `${auditId(cutoff, '')}~` });
    }
    const accounts = (await this.ctx.store.listAccounts()).map((a) => a.id);
    for (const accountId of [null, ...accounts])
      await drain({ accountId, keep: this.retention.maxEntriesPerAccount });
    if (removed > 0) this.ctx.logger.info({ removed }, 'audit entries past retention removed');
    return removed;
  }

  async record(principal: Principal, input: AuditInput): Promise<AuditEntry> {
    if (!actionPattern.test(input.action))
      throw claimsErrors.invalid_argument({ field: 'action', reason: 'dotted lower-case words' });
    const caller = callerOf(principal);
    const now = this.ctx.clock.now();
    const entry: AuditEntry = {
      id: auditId(now.getTime(), generateId('e').slice(2)),
      at: now.toISOString(),
      accountId: caller.accountId ?? input.accountId,
      actor: caller.actor,
      action: input.action,
      target: input.target,
      sourceAddress: input.sourceAddress,
      details: input.details,
    };
    await this.ctx.store.access.appendAudit(entry);
    return entry;
  }

  /**
   * One `keys.released` entry per accepted join, idempotent per event id (a redelivered event adds nothing). The
   * entries are independent (one id each), so they are written side by side: one store round trip for a batch.
   */
  async recordKeyReleases(releases: readonly KeyRelease[]): Promise<void> {
    await Promise.all(
      releases.map((r) => {
        const actor: Actor = { type: 'network-server', id: r.networkServerId, name: r.netId };
        return this.ctx.store.access.appendAudit({
          id: auditId(r.time.getTime(), `j${sha256Hex(r.eventId).slice(0, 11)}`),
          at: r.time.toISOString(),
          accountId: r.accountId,
          actor,
          action: 'keys.released',
          target: { type: 'device', id: r.devEui },
          sourceAddress: null,
          details: {
            netId: r.netId,
            nsId: r.nsId === '' ? null : r.nsId,
            joinKind: r.joinKind,
            eventId: r.eventId,
          },
        });
      }),
    );
  }

  /**
   * `keys.released` for an AS that got a device's AppSKey over AppSKeyReq (recorded by the gateway once keys
   * answered): which AS, which device, which session; never the key.
   */
  async recordAppSKeyRelease(release: {
    readonly applicationServerId: string;
    readonly devEui: string;
    readonly sessionKeyId: string;
  }): Promise<AuditEntry> {
    const peer = await this.ctx.store.getPeer(release.applicationServerId);
    if (peer === undefined || peer.kind !== 'application-server') throw claimsErrors.unknown_peer();
    const now = this.ctx.clock.now();
    const entry: AuditEntry = {
      id: auditId(now.getTime(), generateId('e').slice(2)),
      at: now.toISOString(),
      accountId: peer.accountId,
      actor: { type: 'application-server', id: peer.id, name: peer.name },
      action: 'keys.released',
      target: { type: 'device', id: release.devEui },
      sourceAddress: null,
      details: { asId: peer.asId, sessionKeyId: release.sessionKeyId },
    };
    await this.ctx.store.access.appendAudit(entry);
    return entry;
  }

  /**
   * A page of the log, newest first. Account callers see their own account only (asking for another is
   * `claims:unknown_account`); the admin sees every account or the one it names.
   */
  async list(principal: Principal, query: AuditQuery): Promise<AuditPage> {
    let accountId = query.accountId;
    if (principal.scope !== 'admin') {
      if (principal.accountId === null) throw claimsErrors.permission_denied();
      if (accountId !== null && accountId !== principal.accountId) throw claimsErrors.unknown_account();
      accountId = principal.accountId;
    }
    const untilCursor = query.until === null ? null : `${auditId(query.until.getTime(), '')}~`;
    let cursor = query.cursor ?? null;
    if (untilCursor !== null && (cursor === null || cursor < untilCursor)) cursor = untilCursor;
    const sinceMs = query.since?.getTime() ?? null;
    const matches = (e: AuditEntry) =>
      query.action === null ||
      e.action === query.action ||
      (query.action.endsWith('.*') && e.action.startsWith(query.action.slice(0, -1)));
    const items: AuditEntry[] = [];
    let scanned = 0;
    for (;;) {
      const chunk = await this.ctx.store.access.listAudit(accountId, cursor, Math.max(query.limit, 100));
      if (chunk.length === 0) return { items, nextCursor: null };
      for (const entry of chunk) {
        if (sinceMs !== null && Date.parse(entry.at) < sinceMs) return { items, nextCursor: null };
        cursor = entry.id;
        scanned += 1;
        if (matches(entry)) items.push(entry);
        if (items.length === query.limit) {
          const more = await this.ctx.store.access.listAudit(accountId, cursor, 1);
          const next = more[0];
          const ended = next === undefined || (sinceMs !== null && Date.parse(next.at) < sinceMs);
          return { items, nextCursor: ended ? null : cursor };
        }
      }
      if (scanned >= maxScan) return { items, nextCursor: cursor };
    }
  }
}
