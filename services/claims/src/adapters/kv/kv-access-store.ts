import type {
  AccessStore,
  AuditEntry,
  InvitationRecord,
  RosterRecord,
  SessionRecord,
  UserRecord,
} from '../../domain/access-model.js';
import { claimsErrors } from '../../domain/errors.js';
import { sha256Hex } from '../../domain/secrets.js';
import type { KvBackend } from './kv-backend.js';

/**
 * Key layout (next to KvClaimsStore's, under the same prefix):
 * - `user:<id>`, `email:<sha256 of the email>` → user id, `idx:users`
 * - `roster:<accountId>` (every member of the account in one record), `idx:user-accts:<userId>`
 * - `sess:<sha256 of the token>`, `sessid:<sessionId>` → token hash, `idx:user-sess:<userId>` (session ids)
 * - `inv:<id>`, `invhash:<sha256 of the token>` → id, `idx:acct-invs:<accountId>`
 * - `keyused:<apiKeyId>` (last use of an API key)
 * - `audit:<id>`, `idx:audit` (every entry), `idx:audit:<accountId>` (an account's), `idx:audit:-` (those of no
 *   account; entries appended before it existed are in `idx:audit` only, and leave by age)
 * Indexes are written around the single-key atomic updates and re-checked on read, as in KvClaimsStore. Index
 * members are short ids (at most 30 characters): LMDB's ordered-binary keys turn an index key much longer than
 * 60 characters into an array key that falls out of `indexRange`, so no hash is ever an index member.
 */
const maxCasAttempts = 50;
const auditIndexOf = (accountId: string | null) => `idx:audit:${accountId ?? '-'}`;
const all = 100_000;

export class KvAccessStore implements AccessStore {
  constructor(private readonly kv: KvBackend) {}

  private async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.kv.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  private async many<T>(keys: readonly string[]): Promise<T[]> {
    const raws = await this.kv.getMany(keys);
    return raws.filter((r): r is string => r !== undefined).map((r) => JSON.parse(r) as T);
  }

  /** Read, change, compare-and-swap, retried; `rev` goes up by one with every change. */
  private async update<T extends { readonly rev: number }>(
    key: string,
    change: (current: T) => T | undefined,
  ): Promise<{ previous: T; next: T } | undefined> {
    for (let attempt = 0; attempt < maxCasAttempts; attempt += 1) {
      const raw = await this.kv.get(key);
      if (raw === undefined) return undefined;
      const current = JSON.parse(raw) as T;
      const changed = change(current);
      if (changed === undefined) return { previous: current, next: current };
      const next = { ...changed, rev: current.rev + 1 };
      if (await this.kv.compareAndSwap(key, raw, JSON.stringify(next))) return { previous: current, next };
    }
    throw claimsErrors.conflict({ key });
  }

  async insertUser(user: UserRecord): Promise<boolean> {
    const conflict = await this.kv.insertAllIfAbsent([
      [`email:${sha256Hex(user.email)}`, user.id],
      [`user:${user.id}`, JSON.stringify(user)],
    ]);
    if (conflict !== undefined) return false;
    await this.kv.indexAdd('idx:users', [user.id]);
    return true;
  }

  getUser(id: string): Promise<UserRecord | undefined> {
    return this.getJson<UserRecord>(`user:${id}`);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const id = await this.kv.get(`email:${sha256Hex(email)}`);
    if (id === undefined) return undefined;
    const user = await this.getUser(id);
    return user?.email === email ? user : undefined;
  }

  async updateUser(
    id: string,
    change: (u: UserRecord) => UserRecord | undefined,
  ): Promise<UserRecord | undefined> {
    return (await this.update<UserRecord>(`user:${id}`, change))?.next;
  }

  async listUsers(): Promise<readonly UserRecord[]> {
    const ids = await this.kv.indexRange('idx:users', null, all);
    return this.many<UserRecord>(ids.map((id) => `user:${id}`));
  }

  async getRoster(accountId: string): Promise<RosterRecord> {
    return (await this.getJson<RosterRecord>(`roster:${accountId}`)) ?? { rev: 0, accountId, members: {} };
  }

  async updateRoster(
    accountId: string,
    change: (r: RosterRecord) => RosterRecord | undefined,
  ): Promise<RosterRecord> {
    const key = `roster:${accountId}`;
    await this.kv.insertAllIfAbsent([[key, JSON.stringify({ rev: 0, accountId, members: {} })]]);
    const result = await this.update<RosterRecord>(key, change);
    if (result === undefined) throw claimsErrors.conflict({ key });
    const { previous, next } = result;
    for (const userId of Object.keys(next.members))
      if (previous.members[userId] === undefined)
        await this.kv.indexAdd(`idx:user-accts:${userId}`, [accountId]);
    for (const userId of Object.keys(previous.members))
      if (next.members[userId] === undefined)
        await this.kv.indexRemove(`idx:user-accts:${userId}`, accountId);
    return next;
  }

  accountsOfUser(userId: string): Promise<readonly string[]> {
    return this.kv.indexRange(`idx:user-accts:${userId}`, null, all);
  }

  async putSession(session: SessionRecord): Promise<void> {
    await this.kv.put(`sessid:${session.id}`, session.tokenHash);
    await this.kv.indexAdd(`idx:user-sess:${session.userId}`, [session.id]);
    await this.kv.put(`sess:${session.tokenHash}`, JSON.stringify(session));
  }

  getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    return this.getJson<SessionRecord>(`sess:${tokenHash}`);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    const session = await this.getSession(tokenHash);
    await this.kv.delete(`sess:${tokenHash}`);
    if (session === undefined) return;
    await this.kv.indexRemove(`idx:user-sess:${session.userId}`, session.id);
    await this.kv.delete(`sessid:${session.id}`);
  }

  async sessionsOfUser(userId: string): Promise<readonly SessionRecord[]> {
    const ids = await this.kv.indexRange(`idx:user-sess:${userId}`, null, all);
    const hashes = await this.kv.getMany(ids.map((id) => `sessid:${id}`));
    const sessions = await this.many<SessionRecord>(
      hashes.filter((h): h is string => h !== undefined).map((h) => `sess:${h}`),
    );
    return sessions.filter((s) => s.userId === userId);
  }

  async insertInvitation(invitation: InvitationRecord): Promise<void> {
    const conflict = await this.kv.insertAllIfAbsent([
      [`inv:${invitation.id}`, JSON.stringify(invitation)],
      [`invhash:${invitation.tokenHash}`, invitation.id],
    ]);
    if (conflict !== undefined) throw claimsErrors.invalid_argument({ field: 'id', reason: 'exists' });
    await this.kv.indexAdd(`idx:acct-invs:${invitation.accountId}`, [invitation.id]);
  }

  getInvitation(id: string): Promise<InvitationRecord | undefined> {
    return this.getJson<InvitationRecord>(`inv:${id}`);
  }

  async findInvitationByToken(tokenHash: string): Promise<InvitationRecord | undefined> {
    const id = await this.kv.get(`invhash:${tokenHash}`);
    if (id === undefined) return undefined;
    const invitation = await this.getInvitation(id);
    return invitation?.tokenHash === tokenHash ? invitation : undefined;
  }

  async updateInvitation(
    id: string,
    change: (i: InvitationRecord) => InvitationRecord | undefined,
  ): Promise<InvitationRecord | undefined> {
    return (await this.update<InvitationRecord>(`inv:${id}`, change))?.next;
  }

  async listInvitations(accountId: string): Promise<readonly InvitationRecord[]> {
    const ids = await this.kv.indexRange(`idx:acct-invs:${accountId}`, null, all);
    const invitations = await this.many<InvitationRecord>(ids.map((id) => `inv:${id}`));
    return invitations.filter((i) => i.accountId === accountId);
  }

  async touchApiKey(id: string, at: string): Promise<void> {
    await this.kv.put(`keyused:${id}`, at);
  }

  apiKeysLastUsed(ids: readonly string[]): Promise<readonly (string | undefined)[]> {
    return this.kv.getMany(ids.map((id) => `keyused:${id}`));
  }

  /**
   * The entry and its index entries side by side (one round trip): an index entry only names the id, which a repeated
   * append (a redelivered event has the same id) adds again harmlessly, and a listing reads every indexed id's entry
   * and its account, so an index entry whose entry is missing or another account's shows nothing.
   */
  async appendAudit(entry: AuditEntry): Promise<void> {
    await Promise.all([
      this.kv.insertAllIfAbsent([[`audit:${entry.id}`, JSON.stringify(entry)]]),
      this.kv.indexAdd('idx:audit', [entry.id]),
      this.kv.indexAdd(auditIndexOf(entry.accountId), [entry.id]),
    ]);
  }

  /**
   * Each entry leaves its other index first, then its record, then the index it was found in: a crash part-way
   * leaves it findable by the next prune, never a record no index reaches.
   */
  async pruneAudit(
    bound: { readonly olderThan: string } | { readonly accountId: string | null; readonly keep: number },
    limit: number,
  ): Promise<number> {
    const walked = 'olderThan' in bound ? 'idx:audit' : auditIndexOf(bound.accountId);
    const ids =
      'olderThan' in bound
        ? await this.kv.indexRange(walked, bound.olderThan, limit)
        : await this.kv.indexBeyond(walked, bound.keep, limit);
    const entries = await this.kv.getMany(ids.map((id) => `audit:${id}`));
    await Promise.all(
      ids.map(async (id, i) => {
        const raw = entries[i];
        if (raw !== undefined) {
          const { accountId } = JSON.parse(raw) as AuditEntry;
          const indexes = ['idx:audit', auditIndexOf(accountId)].filter((index) => index !== walked);
          await Promise.all(indexes.map((index) => this.kv.indexRemove(index, id)));
          await this.kv.delete(`audit:${id}`);
        }
        await this.kv.indexRemove(walked, id);
      }),
    );
    return ids.length;
  }

  async listAudit(
    accountId: string | null,
    cursor: string | null,
    limit: number,
  ): Promise<readonly AuditEntry[]> {
    const ids = await this.kv.indexRange(
      accountId === null ? 'idx:audit' : auditIndexOf(accountId),
      cursor,
      limit,
    );
    const entries = await this.many<AuditEntry>(ids.map((id) => `audit:${id}`));
    return accountId === null ? entries : entries.filter((e) => e.accountId === accountId);
  }
}
