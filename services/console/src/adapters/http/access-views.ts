import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import type {
  ApiKey,
  AuditEntry,
  AuthenticateSessionResponse,
  Invitation,
  LoginResponse,
  Member,
} from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { sessionCookie } from './route-support.js';

const isoOf = (ts: Timestamp | undefined): string | null =>
  ts === undefined ? null : timestampDate(ts).toISOString();
const isoOrEpoch = (ts: Timestamp | undefined): string => isoOf(ts) ?? new Date(0).toISOString();

export function sessionView(s: LoginResponse | AuthenticateSessionResponse) {
  return {
    user: {
      id: s.user?.id ?? '',
      email: s.user?.email ?? '',
      name: s.user?.name ?? '',
      operator: s.user?.operator ?? false,
    },
    accounts: s.accounts.map((a) => ({ id: a.id, name: a.name, role: a.role })),
    csrfToken: s.csrfToken,
  };
}

/** The session cookie: HttpOnly, SameSite=Strict, Path=/, Secure when the API is served over HTTPS. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, login: LoginResponse): void {
  const expires = login.expiresAt === undefined ? undefined : timestampDate(login.expiresAt);
  void reply.setCookie(sessionCookie, login.sessionToken, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
    ...(expires === undefined ? {} : { expires }),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(sessionCookie, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
  });
}

export const memberView = (m: Member) => ({
  id: m.id,
  email: m.email,
  name: m.name,
  role: m.role,
  joinedAt: isoOrEpoch(m.joinedAt),
});

export const invitationView = (i: Invitation) => ({
  id: i.id,
  accountId: i.accountId,
  email: i.email,
  role: i.role,
  createdAt: isoOrEpoch(i.createdAt),
  expiresAt: isoOrEpoch(i.expiresAt),
});

export const apiKeyView = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  scopes: k.scopes,
  createdAt: isoOrEpoch(k.createdAt),
  expiresAt: isoOf(k.expiresAt),
  lastUsedAt: isoOf(k.lastUsedAt),
  revokedAt: isoOf(k.revokedAt) ?? (k.revoked ? isoOrEpoch(k.createdAt) : null),
});

export function auditView(e: AuditEntry) {
  let details: unknown = {};
  try {
    details = JSON.parse(e.detailsJson === '' ? '{}' : e.detailsJson);
  } catch {
    details = {};
  }
  return {
    id: e.id,
    at: isoOrEpoch(e.at),
    accountId: e.accountId === '' ? null : e.accountId,
    actor: { type: e.actor?.type ?? 'admin', id: e.actor?.id ?? '', name: e.actor?.name ?? '' },
    action: e.action,
    target: { type: e.targetType, id: e.targetId },
    sourceAddress: e.sourceAddress === '' ? null : e.sourceAddress,
    details,
  };
}

/** `limit` of a collection: 1–500, default 50. */
export function limitOf(raw: string | undefined): number {
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw consoleErrors.invalid_request({ at: 'querystring/limit' }, 'querystring/limit must be 1–500');
  return n;
}

/** A page of a list that claims answers whole, by ascending `key` after `cursor`. */
export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  cursor: string | undefined,
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after = cursor === undefined ? sorted : sorted.filter((i) => key(i) > cursor);
  const pageItems = after.slice(0, limit);
  const last = pageItems[pageItems.length - 1];
  return { items: pageItems, nextCursor: after.length > limit && last !== undefined ? key(last) : null };
}
