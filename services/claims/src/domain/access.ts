import { accessErrors } from './access-errors.js';
import {
  accountRoles,
  type AccountRole,
  type Caller,
  type InvitationRecord,
  type Membership,
  type RosterRecord,
  type SessionRecord,
  type UserRecord,
} from './access-model.js';
import { actingAccount, requireAdmin, type ClaimsContext } from './context.js';
import { claimsErrors } from './errors.js';
import { callerOf, requireAccountAdmin } from './grants.js';
import type { Principal } from './model.js';
import type { AttemptPolicy, AttemptReservation } from './ports.js';
import {
  generateId,
  generateToken,
  hashClaimCode,
  safeEqual,
  sha256Hex,
  verifyClaimCode,
  type ScryptCost,
} from './secrets.js';

/** scrypt N = 2^15, r 8, p 1: 32 MiB per hash (the plan's floor for passwords). */
export const defaultPasswordCost: ScryptCost = { log2N: 15, r: 8, p: 1 };

export interface LoginLimits {
  /** Failed logins per email (a correct one un-counts itself). */
  readonly perEmail: AttemptPolicy;
  /** Failed logins per source address. */
  readonly perAddress: AttemptPolicy;
}

export const defaultLoginLimits: LoginLimits = {
  perEmail: { limit: 10, windowMs: 15 * 60_000, free: 5, baseDelayMs: 1000 },
  perAddress: { limit: 100, windowMs: 15 * 60_000, free: 50, baseDelayMs: 1000 },
};

export interface AccessSettings {
  readonly passwordCost: ScryptCost;
  readonly loginLimits: LoginLimits;
  readonly sessionTtlMs: number;
  readonly invitationTtlMs: number;
}

export const defaultAccessSettings: AccessSettings = {
  passwordCost: defaultPasswordCost,
  loginLimits: defaultLoginLimits,
  sessionTtlMs: 12 * 3600_000,
  invitationTtlMs: 7 * 24 * 3600_000,
};

export interface SessionView {
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly operator: boolean;
  };
  readonly accounts: readonly { readonly id: string; readonly name: string; readonly role: AccountRole }[];
}

/** A new session: its token goes into the cookie, never anywhere else. */
export interface OpenedSession extends SessionView {
  readonly sessionToken: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export interface MemberView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: AccountRole;
  readonly joinedAt: string;
}

const minPassword = 12;
const maxPassword = 1024;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return email.length <= 254 && emailPattern.test(email) ? email : null;
}

function parseEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (email === null) throw claimsErrors.invalid_argument({ field: 'email', reason: 'not an email address' });
  return email;
}

function parseName(raw: string): string {
  const name = raw.trim();
  if (name === '' || name.length > 200)
    throw claimsErrors.invalid_argument({ field: 'name', reason: 'must be 1–200 characters' });
  return name;
}

function checkPassword(password: string): void {
  if (password.length < minPassword || password.length > maxPassword) throw accessErrors.weak_password();
}

export function parseRole(raw: string): AccountRole {
  if (!(accountRoles as readonly string[]).includes(raw))
    throw claimsErrors.invalid_argument({ field: 'role', reason: `one of ${accountRoles.join(', ')}` });
  return raw as AccountRole;
}

/** The CSRF token of a session: derived from its token, so only a holder of the cookie can know it. */
export function csrfTokenOf(sessionToken: string): string {
  return `jcsrf_${Buffer.from(sha256Hex(`joinery-csrf\n${sessionToken}`), 'hex').toString('base64url')}`;
}

/** The account a call acts in: an account caller's own (naming another is `claims:unknown_account`). */
function accountOf(principal: Principal, accountId: string | null): string {
  if (principal.scope !== 'admin' && accountId !== null && accountId !== principal.accountId)
    throw claimsErrors.unknown_account();
  return actingAccount(principal, accountId);
}

const admins = (r: RosterRecord) => Object.values(r.members).filter((m) => m.role === 'admin').length;

/**
 * Users, login sessions, invitations and account members. Passwords are scrypt hashes with a per-user salt,
 * compared in constant time; session and invitation tokens are 256-bit random, stored as SHA-256, shown once.
 */
export class Access {
  /** A hash to verify against when the email is unknown, so both answers take as long. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly ctx: ClaimsContext,
    private readonly settings: AccessSettings,
  ) {}

  private get store() {
    return this.ctx.store.access;
  }

  private now(): Date {
    return this.ctx.clock.now();
  }

  /** An operator (admin token or operator user) creates a user: an operator, or a user without accounts yet. */
  async createUser(
    principal: Principal,
    input: { email: string; name: string; password: string; operator: boolean },
  ): Promise<UserRecord> {
    requireAdmin(principal);
    const email = parseEmail(input.email);
    const name = parseName(input.name);
    checkPassword(input.password);
    const user: UserRecord = {
      rev: 1,
      id: generateId('usr'),
      email,
      name,
      passwordHash: await hashClaimCode(input.password, this.settings.passwordCost),
      operator: input.operator,
      createdAt: this.now().toISOString(),
    };
    if (!(await this.store.insertUser(user))) throw accessErrors.email_taken();
    this.ctx.logger.info({ user_id: user.id, operator: user.operator }, 'user created');
    return user;
  }

  private async reserve(key: string, policy: AttemptPolicy): Promise<AttemptReservation & { granted: true }> {
    const reservation = await this.ctx.store.reserveAttempt(key, this.now().getTime(), policy);
    if (!reservation.granted)
      throw claimsErrors.rate_limited(
        { retry_after_s: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)) },
        'too many failed login attempts; try again later',
      );
    return reservation;
  }

  /**
   * Checks a user's password, counted against the per-email and per-address limits: an attempt is reserved before
   * the password is checked (so racing guesses cannot exceed the limit) and released when the password is right.
   */
  private async checkCredentials(
    rawEmail: string,
    password: string,
    sourceAddress: string,
  ): Promise<UserRecord> {
    const email = normalizeEmail(rawEmail) ?? rawEmail.trim().toLowerCase();
    const emailKey = `login:email:${sha256Hex(email)}`;
    const addressKey = `login:addr:${sourceAddress === '' ? '-' : sourceAddress}`;
    const byEmail = await this.reserve(emailKey, this.settings.loginLimits.perEmail);
    let byAddress: AttemptReservation & { granted: true };
    try {
      byAddress = await this.reserve(addressKey, this.settings.loginLimits.perAddress);
    } catch (err) {
      await this.ctx.store.releaseAttempt(emailKey, byEmail.token);
      throw err;
    }
    const user = await this.store.findUserByEmail(email);
    const ok =
      user === undefined
        ? (await verifyClaimCode(password, await this.dummy()), false)
        : await verifyClaimCode(password, user.passwordHash);
    if (!ok || user === undefined) throw accessErrors.invalid_credentials();
    await this.ctx.store.releaseAttempt(emailKey, byEmail.token);
    await this.ctx.store.releaseAttempt(addressKey, byAddress.token);
    return user;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashClaimCode(generateToken('x'), this.settings.passwordCost);
    return this.dummyHash;
  }

  async login(input: { email: string; password: string; sourceAddress: string }): Promise<OpenedSession> {
    const user = await this.checkCredentials(input.email, input.password, input.sourceAddress);
    this.ctx.logger.info({ user_id: user.id }, 'user logged in');
    return this.openSession(user);
  }

  private async openSession(user: UserRecord): Promise<OpenedSession> {
    const token = generateToken('jss');
    const now = this.now();
    const session: SessionRecord = {
      id: generateId('ses'),
      userId: user.id,
      tokenHash: sha256Hex(token),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.sessionTtlMs).toISOString(),
    };
    await this.store.putSession(session);
    return {
      ...(await this.viewOf(user)),
      sessionToken: token,
      csrfToken: csrfTokenOf(token),
      expiresAt: session.expiresAt,
    };
  }

  private async viewOf(user: UserRecord): Promise<SessionView> {
    const accounts: { id: string; name: string; role: AccountRole }[] = [];
    for (const accountId of await this.store.accountsOfUser(user.id)) {
      const membership = (await this.store.getRoster(accountId)).members[user.id];
      const account = await this.ctx.store.getAccount(accountId);
      if (membership !== undefined && account !== undefined)
        accounts.push({ id: account.id, name: account.name, role: membership.role });
    }
    return { user: { id: user.id, email: user.email, name: user.name, operator: user.operator }, accounts };
  }

  private async liveSession(sessionToken: string): Promise<{ session: SessionRecord; user: UserRecord }> {
    if (sessionToken === '') throw claimsErrors.unauthenticated();
    const session = await this.store.getSession(sha256Hex(sessionToken));
    if (session === undefined) throw claimsErrors.unauthenticated();
    if (Date.parse(session.expiresAt) <= this.now().getTime()) {
      await this.store.deleteSession(session.tokenHash);
      throw claimsErrors.unauthenticated();
    }
    const user = await this.store.getUser(session.userId);
    if (user === undefined) throw claimsErrors.unauthenticated();
    return { session, user };
  }

  /**
   * The caller a session cookie names, acting in `accountId` (optional when the user has exactly one account).
   * Operators act as the admin token does. With `requireAccount` false a user without a usable account still gets a
   * caller (with no account), for the session's own routes.
   */
  async authenticateSession(
    sessionToken: string,
    accountId: string | null,
    requireAccount: boolean,
  ): Promise<{ caller: Caller; view: SessionView; csrfToken: string }> {
    const { user } = await this.liveSession(sessionToken);
    const view = await this.viewOf(user);
    const csrfToken = csrfTokenOf(sessionToken);
    const actor = { type: 'user', id: user.id, name: user.email } as const;
    if (user.operator) {
      const caller: Caller = {
        accountId: null,
        scope: 'admin',
        apiKeyId: `user:${user.id}`,
        grants: ['admin'],
        actor,
        userId: user.id,
      };
      return { caller, view, csrfToken };
    }
    let account = view.accounts.find((a) => a.id === accountId);
    if (accountId !== null && account === undefined) throw claimsErrors.unknown_account();
    if (accountId === null && view.accounts.length === 1) account = view.accounts[0];
    if (account === undefined) {
      if (requireAccount) throw accessErrors.account_required();
      const caller: Caller = {
        accountId: null,
        scope: 'owner',
        apiKeyId: `user:${user.id}`,
        grants: [],
        actor,
        userId: user.id,
      };
      return { caller, view, csrfToken };
    }
    const caller: Caller = {
      accountId: account.id,
      scope: 'owner',
      apiKeyId: `user:${user.id}`,
      grants: account.role === 'admin' ? ['admin'] : ['read'],
      actor,
      userId: user.id,
    };
    return { caller, view, csrfToken };
  }

  /** Ends this session, or every session of its user. */
  async logout(sessionToken: string, everywhere: boolean): Promise<void> {
    const { session } = await this.liveSession(sessionToken);
    if (!everywhere) {
      await this.store.deleteSession(session.tokenHash);
      return;
    }
    for (const s of await this.store.sessionsOfUser(session.userId))
      await this.store.deleteSession(s.tokenHash);
    this.ctx.logger.info({ user_id: session.userId }, 'every session of the user ended');
  }

  /** Changes the password after checking the current one (throttled like a login); ends every other session. */
  async changePassword(
    sessionToken: string,
    input: { currentPassword: string; newPassword: string; sourceAddress: string },
  ): Promise<void> {
    const { session, user } = await this.liveSession(sessionToken);
    checkPassword(input.newPassword);
    await this.checkCredentials(user.email, input.currentPassword, input.sourceAddress);
    const passwordHash = await hashClaimCode(input.newPassword, this.settings.passwordCost);
    await this.store.updateUser(user.id, (u) => ({ ...u, passwordHash }));
    for (const s of await this.store.sessionsOfUser(user.id))
      if (!safeEqual(s.tokenHash, session.tokenHash)) await this.store.deleteSession(s.tokenHash);
    this.ctx.logger.info({ user_id: user.id }, 'password changed');
  }

  async createInvitation(
    principal: Principal,
    input: { accountId: string | null; email: string; role: string },
  ): Promise<{ invitation: InvitationRecord; token: string }> {
    requireAccountAdmin(principal);
    const accountId = accountOf(principal, input.accountId);
    if ((await this.ctx.store.getAccount(accountId)) === undefined) throw claimsErrors.unknown_account();
    const email = parseEmail(input.email);
    const role = parseRole(input.role);
    const token = generateToken('jinv');
    const now = this.now();
    const invitation: InvitationRecord = {
      rev: 1,
      id: generateId('inv'),
      accountId,
      email,
      role,
      tokenHash: sha256Hex(token),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.invitationTtlMs).toISOString(),
      invitedBy: callerOf(principal).actor,
      acceptedAt: null,
      acceptedBy: null,
      revokedAt: null,
    };
    await this.store.insertInvitation(invitation);
    this.ctx.logger.info({ account_id: accountId, invitation_id: invitation.id }, 'invitation created');
    return { invitation, token };
  }

  /** The account's invitations that are neither accepted nor revoked (expired ones included, marked by expiresAt). */
  async listInvitations(
    principal: Principal,
    accountId: string | null,
  ): Promise<readonly InvitationRecord[]> {
    const target = accountOf(principal, accountId);
    const all = await this.store.listInvitations(target);
    return all
      .filter((i) => i.acceptedAt === null && i.revokedAt === null)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async revokeInvitation(principal: Principal, invitationId: string): Promise<InvitationRecord> {
    requireAccountAdmin(principal);
    const invitation = await this.store.getInvitation(invitationId);
    if (
      invitation === undefined ||
      (principal.scope !== 'admin' && invitation.accountId !== principal.accountId) ||
      invitation.acceptedAt !== null ||
      invitation.revokedAt !== null
    )
      throw accessErrors.unknown_invitation();
    const at = this.now().toISOString();
    const revoked = await this.store.updateInvitation(invitationId, (i) => {
      if (i.acceptedAt !== null || i.revokedAt !== null) throw accessErrors.unknown_invitation();
      return { ...i, revokedAt: at };
    });
    return revoked ?? invitation;
  }

  /**
   * Accepts an invitation (public: the token is the credential). A new email creates the user with `name` and
   * `password`; an existing user proves it with its password (throttled like a login). Either way the user joins
   * the account with the invited role and gets a session. An invitation is used once.
   */
  async acceptInvitation(input: {
    token: string;
    name: string;
    password: string;
    sourceAddress: string;
  }): Promise<OpenedSession & { accountId: string; invitationId: string }> {
    const invitation =
      input.token === '' ? undefined : await this.store.findInvitationByToken(sha256Hex(input.token));
    if (invitation === undefined || invitation.acceptedAt !== null || invitation.revokedAt !== null)
      throw accessErrors.unknown_invitation();
    if (Date.parse(invitation.expiresAt) <= this.now().getTime()) throw accessErrors.invitation_expired();
    const existing = await this.store.findUserByEmail(invitation.email);
    let user: UserRecord;
    if (existing !== undefined) {
      user = await this.checkCredentials(existing.email, input.password, input.sourceAddress);
    } else {
      const name = parseName(input.name);
      checkPassword(input.password);
      user = {
        rev: 1,
        id: generateId('usr'),
        email: invitation.email,
        name,
        passwordHash: await hashClaimCode(input.password, this.settings.passwordCost),
        operator: false,
        createdAt: this.now().toISOString(),
      };
    }
    const at = this.now().toISOString();
    await this.store.updateInvitation(invitation.id, (i) => {
      if (i.acceptedAt !== null || i.revokedAt !== null) throw accessErrors.unknown_invitation();
      return { ...i, acceptedAt: at, acceptedBy: user.id };
    });
    if (existing === undefined && !(await this.store.insertUser(user))) throw accessErrors.email_taken();
    await this.store.updateRoster(invitation.accountId, (r) =>
      r.members[user.id] !== undefined
        ? undefined
        : { ...r, members: { ...r.members, [user.id]: { role: invitation.role, joinedAt: at } } },
    );
    this.ctx.logger.info(
      { account_id: invitation.accountId, invitation_id: invitation.id, user_id: user.id },
      'invitation accepted',
    );
    return {
      ...(await this.openSession(user)),
      accountId: invitation.accountId,
      invitationId: invitation.id,
    };
  }

  async listMembers(principal: Principal, accountId: string | null): Promise<readonly MemberView[]> {
    const target = accountOf(principal, accountId);
    const roster = await this.store.getRoster(target);
    const members: MemberView[] = [];
    for (const [userId, m] of Object.entries(roster.members).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const user = await this.store.getUser(userId);
      if (user !== undefined)
        members.push({ id: user.id, email: user.email, name: user.name, role: m.role, joinedAt: m.joinedAt });
    }
    return members;
  }

  /** Changes a member's role; the last admin of an account cannot become a member (`claims:last_admin`). */
  async setMemberRole(
    principal: Principal,
    input: { accountId: string | null; userId: string; role: string },
  ): Promise<MemberView> {
    requireAccountAdmin(principal);
    const accountId = accountOf(principal, input.accountId);
    const role = parseRole(input.role);
    const roster = await this.store.updateRoster(accountId, (r) => {
      const current = r.members[input.userId];
      if (current === undefined) throw accessErrors.unknown_user();
      if (current.role === role) return undefined;
      const next: RosterRecord = { ...r, members: { ...r.members, [input.userId]: { ...current, role } } };
      if (admins(r) > 0 && admins(next) === 0) throw accessErrors.last_admin();
      return next;
    });
    const member = roster.members[input.userId] as Membership;
    const user = await this.store.getUser(input.userId);
    if (user === undefined) throw accessErrors.unknown_user();
    return { id: user.id, email: user.email, name: user.name, role: member.role, joinedAt: member.joinedAt };
  }

  /** Removes a member; an account keeps at least one admin (`claims:last_admin`). */
  async removeMember(
    principal: Principal,
    input: { accountId: string | null; userId: string },
  ): Promise<void> {
    requireAccountAdmin(principal);
    const accountId = accountOf(principal, input.accountId);
    await this.store.updateRoster(accountId, (r) => {
      if (r.members[input.userId] === undefined) throw accessErrors.unknown_user();
      const members = { ...r.members };
      delete members[input.userId];
      const next: RosterRecord = { ...r, members };
      if (admins(r) > 0 && admins(next) === 0) throw accessErrors.last_admin();
      return next;
    });
    this.ctx.logger.info({ account_id: accountId, user_id: input.userId }, 'member removed');
  }
}
