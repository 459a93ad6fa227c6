/** People and access: users, account membership, sessions, invitations, API key scopes and the audit log. */
import type { Principal } from './model.js';

/** What an API key (or a user's role) may do in its account; `read` is GET on everything, `admin` is everything. */
export const apiScopes = ['read', 'devices', 'network-servers', 'billing', 'admin'] as const;
export type ApiScope = (typeof apiScopes)[number];

/** An account role: `admin` may do everything in the account, `member` only read. */
export const accountRoles = ['admin', 'member'] as const;
export type AccountRole = (typeof accountRoles)[number];

export const actorTypes = ['user', 'api-key', 'admin', 'network-server', 'application-server'] as const;
export type ActorType = (typeof actorTypes)[number];

/** Who did something, as the audit log names it. `name` is an email, a key's name or a NetID: never a secret. */
export interface Actor {
  readonly type: ActorType;
  readonly id: string;
  readonly name: string;
}

/**
 * A principal with what the access rules need: its grants (the scopes of its API key, `['admin']` for an account
 * admin, the admin token and the account's first key, `['read']` for a member) and who it is, for the audit log.
 */
export interface Caller extends Principal {
  readonly grants: readonly ApiScope[];
  readonly actor: Actor;
  /** Set for a user's session. */
  readonly userId?: string;
}

export interface UserRecord {
  readonly rev: number;
  readonly id: string;
  /** Trimmed and lower-cased. */
  readonly email: string;
  readonly name: string;
  /** `scrypt$<log2N>$<r>$<p>$<salt b64>$<hash b64>` (secrets.ts), never returned by any API. */
  readonly passwordHash: string;
  /** An operator user can do what the admin token can. */
  readonly operator: boolean;
  readonly createdAt: string;
}

export interface Membership {
  readonly role: AccountRole;
  readonly joinedAt: string;
}

/**
 * The members of one account, in one record so that a change (role, removal) and the rule that an account keeps an
 * admin are checked and written in one atomic step.
 */
export interface RosterRecord {
  readonly rev: number;
  readonly accountId: string;
  readonly members: Readonly<Record<string, Membership>>;
}

/** A login session, stored under the SHA-256 of its token (the cookie holds the token). */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface InvitationRecord {
  readonly rev: number;
  readonly id: string;
  readonly accountId: string;
  readonly email: string;
  readonly role: AccountRole;
  /** SHA-256 (hex) of the token shown once. */
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly invitedBy: Actor;
  readonly acceptedAt: string | null;
  readonly acceptedBy: string | null;
  readonly revokedAt: string | null;
}

export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

/** One audit log entry. Details hold ids, names and settings, never a secret. */
export interface AuditEntry {
  /** Sorts newest first (audit.ts `auditId`). */
  readonly id: string;
  readonly at: string;
  /** Null for operator-level changes that belong to no account. */
  readonly accountId: string | null;
  readonly actor: Actor;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly sourceAddress: string | null;
  readonly details: AuditDetails;
}

export interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly nextCursor: string | null;
}

export interface AuditQuery {
  /** Null: every account (operators only). */
  readonly accountId: string | null;
  readonly cursor: string | null;
  readonly limit: number;
  readonly action: string | null;
  readonly since: Date | null;
  readonly until: Date | null;
}

/**
 * Storage of people and access, next to the ClaimsStore (`ClaimsStore.access`). Records with `rev` are updated
 * atomically as ClaimsStore's `update*` are.
 */
export interface AccessStore {
  /** Inserts a user whose email is not taken; false when it is. */
  insertUser(user: UserRecord): Promise<boolean>;
  getUser(id: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  updateUser(id: string, change: (u: UserRecord) => UserRecord | undefined): Promise<UserRecord | undefined>;
  listUsers(): Promise<readonly UserRecord[]>;

  getRoster(accountId: string): Promise<RosterRecord>;
  /** Creates the roster when there is none; `change` throws to abort. */
  updateRoster(
    accountId: string,
    change: (r: RosterRecord) => RosterRecord | undefined,
  ): Promise<RosterRecord>;
  /** The accounts a user belongs to (re-checked against each roster by the caller). */
  accountsOfUser(userId: string): Promise<readonly string[]>;

  putSession(session: SessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  sessionsOfUser(userId: string): Promise<readonly SessionRecord[]>;

  insertInvitation(invitation: InvitationRecord): Promise<void>;
  getInvitation(id: string): Promise<InvitationRecord | undefined>;
  findInvitationByToken(tokenHash: string): Promise<InvitationRecord | undefined>;
  updateInvitation(
    id: string,
    change: (i: InvitationRecord) => InvitationRecord | undefined,
  ): Promise<InvitationRecord | undefined>;
  listInvitations(accountId: string): Promise<readonly InvitationRecord[]>;

  /** When an API key was last used (kept apart from the key record, so a use never races a revocation). */
  touchApiKey(id: string, at: string): Promise<void>;
  apiKeysLastUsed(ids: readonly string[]): Promise<readonly (string | undefined)[]>;

  /** Appends an entry; an entry whose id exists is left as it is (idempotent per id). */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Entries by ascending id (newest first) after `cursor`, at most `limit`. */
  listAudit(accountId: string | null, cursor: string | null, limit: number): Promise<readonly AuditEntry[]>;
  /**
   * Deletes, with their index entries, at most `limit` entries past a retention bound and says how many
   * (fewer than `limit`: none is left past it). `olderThan`: every entry whose id sorts after it (ids sort newest
   * first); `keep`: the entries of one account (null: of no account) beyond its newest `keep`, which never touches
   * another account's.
   */
  pruneAudit(
    bound: { readonly olderThan: string } | { readonly accountId: string | null; readonly keep: number },
    limit: number,
  ): Promise<number>;
}
