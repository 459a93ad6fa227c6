import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@joinery/grpc';
import type { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import type { AuditDetails, AuditEntry, InvitationRecord, UserRecord } from '../../domain/access-model.js';
import type { MemberView, OpenedSession, SessionView } from '../../domain/access.js';
import type { Claims } from '../../domain/claims.js';
import { claimsErrors } from '../../domain/errors.js';
import { principalFromProto, principalToProto } from './mapping.js';

type AccessMethods = Pick<
  ServiceImpl<typeof ClaimsService>,
  | 'createUser'
  | 'login'
  | 'authenticateSession'
  | 'logout'
  | 'changePassword'
  | 'createInvitation'
  | 'listInvitations'
  | 'revokeInvitation'
  | 'acceptInvitation'
  | 'listMembers'
  | 'setMemberRole'
  | 'removeMember'
  | 'recordAudit'
  | 'listAudit'
>;

/** `{[field]: Timestamp}` for an ISO time, `{}` for none (protobuf-es leaves unset messages out). */
export function isoTimestamp<K extends string>(
  field: K,
  iso: string | null | undefined,
): Partial<Record<K, Timestamp>> {
  return iso === null || iso === undefined
    ? {}
    : ({ [field]: timestampFromDate(new Date(iso)) } as Record<K, Timestamp>);
}

const empty = (s: string): string | null => (s === '' ? null : s);

const userToProto = (u: SessionView['user'] | UserRecord) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  operator: u.operator,
});

const sessionViewToProto = (v: SessionView) => ({
  user: userToProto(v.user),
  accounts: v.accounts.map((a) => ({ id: a.id, name: a.name, role: a.role })),
});

const openedToProto = (o: OpenedSession) => ({
  ...sessionViewToProto(o),
  sessionToken: o.sessionToken,
  csrfToken: o.csrfToken,
  ...isoTimestamp('expiresAt', o.expiresAt),
});

const invitationToProto = (i: InvitationRecord) => ({
  id: i.id,
  accountId: i.accountId,
  email: i.email,
  role: i.role,
  ...isoTimestamp('createdAt', i.createdAt),
  ...isoTimestamp('expiresAt', i.expiresAt),
});

const memberToProto = (m: MemberView) => ({
  id: m.id,
  email: m.email,
  name: m.name,
  role: m.role,
  ...isoTimestamp('joinedAt', m.joinedAt),
});

const auditToProto = (e: AuditEntry) => ({
  id: e.id,
  ...isoTimestamp('at', e.at),
  accountId: e.accountId ?? '',
  actor: { ...e.actor },
  action: e.action,
  targetType: e.target.type,
  targetId: e.target.id,
  sourceAddress: e.sourceAddress ?? '',
  detailsJson: JSON.stringify(e.details),
});

function parseDetails(json: string): AuditDetails {
  if (json === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw claimsErrors.invalid_argument({ field: 'details_json', reason: 'not JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw claimsErrors.invalid_argument({ field: 'details_json', reason: 'not an object' });
  const details: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(parsed))
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v))
      details[k] = v as string | number | boolean | null;
  return details;
}

/** The people-and-access methods of the ClaimsService (users, sessions, invitations, members, audit). */
export function accessServiceMethods(claims: Claims): AccessMethods {
  const { access, audit } = claims;
  return {
    async createUser(req) {
      const user = await access.createUser(principalFromProto(req.principal), {
        email: req.email,
        name: req.name,
        password: req.password,
        operator: req.operator,
      });
      return { user: userToProto(user) };
    },
    async login(req) {
      const opened = await access.login({
        email: req.email,
        password: req.password,
        sourceAddress: req.sourceAddress,
      });
      const { caller } = await access.authenticateSession(opened.sessionToken, null, false);
      return { ...openedToProto(opened), principal: principalToProto(caller) };
    },
    async authenticateSession(req) {
      const r = await access.authenticateSession(req.sessionToken, empty(req.accountId), req.requireAccount);
      return { principal: principalToProto(r.caller), csrfToken: r.csrfToken, ...sessionViewToProto(r.view) };
    },
    async logout(req) {
      await access.logout(req.sessionToken, req.everywhere);
      return {};
    },
    async changePassword(req) {
      await access.changePassword(req.sessionToken, {
        currentPassword: req.currentPassword,
        newPassword: req.newPassword,
        sourceAddress: req.sourceAddress,
      });
      return {};
    },
    async createInvitation(req) {
      const r = await access.createInvitation(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        email: req.email,
        role: req.role,
      });
      return { invitation: invitationToProto(r.invitation), token: r.token };
    },
    async listInvitations(req) {
      const list = await access.listInvitations(principalFromProto(req.principal), empty(req.accountId));
      return { invitations: list.map(invitationToProto) };
    },
    async revokeInvitation(req) {
      const revoked = await access.revokeInvitation(principalFromProto(req.principal), req.invitationId);
      return { invitation: invitationToProto(revoked) };
    },
    async acceptInvitation(req) {
      const r = await access.acceptInvitation({
        token: req.token,
        name: req.name,
        password: req.password,
        sourceAddress: req.sourceAddress,
      });
      const { caller } = await access.authenticateSession(r.sessionToken, r.accountId, false);
      return {
        session: { ...openedToProto(r), principal: principalToProto(caller) },
        accountId: r.accountId,
        invitationId: r.invitationId,
      };
    },
    async listMembers(req) {
      const list = await access.listMembers(principalFromProto(req.principal), empty(req.accountId));
      return { members: list.map(memberToProto) };
    },
    async setMemberRole(req) {
      const member = await access.setMemberRole(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        userId: req.userId,
        role: req.role,
      });
      return { member: memberToProto(member) };
    },
    async removeMember(req) {
      await access.removeMember(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        userId: req.userId,
      });
      return {};
    },
    async recordAudit(req) {
      const entry = await audit.record(principalFromProto(req.principal), {
        action: req.action,
        target: { type: req.targetType, id: req.targetId },
        sourceAddress: empty(req.sourceAddress),
        details: parseDetails(req.detailsJson),
        accountId: empty(req.accountId),
      });
      return { entry: auditToProto(entry) };
    },
    async listAudit(req) {
      const page = await audit.list(principalFromProto(req.principal), {
        accountId: empty(req.accountId),
        cursor: empty(req.cursor),
        limit: req.limit === 0 ? 50 : Math.min(req.limit, 500),
        action: empty(req.action),
        since: req.since === undefined ? null : timestampDate(req.since),
        until: req.until === undefined ? null : timestampDate(req.until),
      });
      return { entries: page.items.map(auditToProto), nextCursor: page.nextCursor ?? '' };
    },
  };
}
