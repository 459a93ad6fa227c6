// JSON Schemas of people and access: login sessions, operator users, members, invitations, API keys, the audit log
// (as schemas.ts: request validation, answer serialisation and the OpenAPI document from one source).
import type { FromSchema } from 'json-schema-to-ts';

const idSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;
const nameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const emailSchema = {
  type: 'string',
  minLength: 3,
  maxLength: 254,
  description: 'an email address',
} as const;
const passwordSchema = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const newPasswordSchema = {
  type: 'string',
  minLength: 12,
  maxLength: 1024,
  description: 'at least 12 characters',
} as const;
const isoSchema = { type: 'string', format: 'date-time' } as const;
const nullableIso = { type: ['string', 'null'], format: 'date-time' } as const;
const roleSchema = { type: 'string', enum: ['admin', 'member'] } as const;
export const apiScopeNames = ['read', 'devices', 'network-servers', 'billing', 'admin'] as const;
const scopeSchema = { type: 'string', enum: apiScopeNames } as const;

/** `cursor` and `limit` of every collection; admins may name the account. */
export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { ...idSchema, description: 'nextCursor of the page before' },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1–500, default 50' },
    accountId: { ...idSchema, description: 'admin: the account (others: their own)' },
  },
} as const;

const page = <T extends object>(item: T) =>
  ({
    type: 'object',
    required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
  }) as const;

export const userSchema = {
  type: 'object',
  required: ['id', 'email', 'name', 'operator'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    operator: { type: 'boolean' },
  },
} as const;

export const sessionSchema = {
  type: 'object',
  required: ['user', 'accounts', 'csrfToken'],
  properties: {
    user: userSchema,
    accounts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'role'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, role: roleSchema },
      },
    },
    csrfToken: {
      type: 'string',
      description: 'send it as X-CSRF-Token with every change made with the cookie',
    },
  },
} as const;

export const loginBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: { email: emailSchema, password: passwordSchema },
} as const;

export const passwordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: { currentPassword: passwordSchema, newPassword: newPasswordSchema },
} as const;

export const operatorUserBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name', 'password'],
  properties: {
    email: emailSchema,
    name: nameSchema,
    password: newPasswordSchema,
    operator: { type: 'boolean', description: 'default true' },
  },
} as const;

export const memberSchema = {
  type: 'object',
  required: ['id', 'email', 'name', 'role', 'joinedAt'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    role: roleSchema,
    joinedAt: isoSchema,
  },
} as const;
export const memberPage = page(memberSchema);

export const userIdParams = {
  type: 'object',
  required: ['userId'],
  properties: { userId: idSchema },
} as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: idSchema } } as const;

export const roleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: { role: roleSchema, accountId: idSchema },
} as const;

export const accountQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { accountId: { ...idSchema, description: 'admin: the account' } },
} as const;

export const invitationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'role'],
  properties: {
    email: emailSchema,
    role: roleSchema,
    accountId: { ...idSchema, description: 'admin: the account' },
  },
} as const;

export const invitationSchema = {
  type: 'object',
  required: ['id', 'email', 'role', 'createdAt', 'expiresAt'],
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    email: { type: 'string' },
    role: roleSchema,
    createdAt: isoSchema,
    expiresAt: isoSchema,
  },
} as const;
export const invitationPage = page(invitationSchema);

export const createdInvitationSchema = {
  type: 'object',
  required: ['id', 'email', 'role', 'token', 'expiresAt'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role: roleSchema,
    token: { type: 'string', description: 'shown this once; the console link is /#/invite/<token>' },
    expiresAt: isoSchema,
  },
} as const;

export const acceptInvitationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'password'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 200 },
    name: { ...nameSchema, description: 'for a new user' },
    password: passwordSchema,
  },
} as const;

export const apiKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scopes'],
  properties: {
    name: nameSchema,
    scopes: { type: 'array', minItems: 1, maxItems: 5, uniqueItems: true, items: scopeSchema },
    expiresAt: { ...isoSchema, description: 'refused from then on; absent: never expires' },
    accountId: { ...idSchema, description: 'admin: the account' },
  },
} as const;

const apiKeyProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'array', items: scopeSchema },
  createdAt: isoSchema,
  expiresAt: nullableIso,
} as const;

export const createdApiKeySchema = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'createdAt', 'expiresAt', 'key'],
  properties: { ...apiKeyProperties, key: { type: 'string', description: 'shown this once' } },
} as const;

export const apiKeySchema = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'],
  properties: { ...apiKeyProperties, lastUsedAt: nullableIso, revokedAt: nullableIso },
} as const;
export const apiKeyPage = page(apiKeySchema);

export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQuery.properties,
    action: {
      type: 'string',
      pattern: '^[a-z][a-z0-9.-]{0,99}(\\.\\*)?$',
      description: 'an action (device.claimed) or a prefix (device.*)',
    },
    since: { ...isoSchema, description: 'entries at or after' },
    until: { ...isoSchema, description: 'entries before' },
  },
} as const;

export const auditEntrySchema = {
  type: 'object',
  required: ['id', 'at', 'accountId', 'actor', 'action', 'target', 'sourceAddress', 'details'],
  properties: {
    id: { type: 'string' },
    at: isoSchema,
    accountId: { type: ['string', 'null'] },
    actor: {
      type: 'object',
      required: ['type', 'id', 'name'],
      properties: {
        type: { type: 'string', enum: ['user', 'api-key', 'admin', 'network-server', 'application-server'] },
        id: { type: 'string' },
        name: { type: 'string' },
      },
    },
    action: { type: 'string' },
    target: {
      type: 'object',
      required: ['type', 'id'],
      properties: { type: { type: 'string' }, id: { type: 'string' } },
    },
    sourceAddress: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true },
  },
} as const;
export const auditPage = page(auditEntrySchema);

/** `POST /api/v1/accounts` with an optional first owner, who is invited as the account's admin. */
export const createAccountWithOwnerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: nameSchema,
    owner: {
      type: 'object',
      additionalProperties: false,
      required: ['email'],
      properties: { email: emailSchema },
    },
  },
} as const;

export const createdAccountWithOwnerSchema = {
  type: 'object',
  required: ['id', 'name', 'apiKey'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    apiKey: { type: 'string' },
    invitation: createdInvitationSchema,
  },
} as const;

export type LoginBody = FromSchema<typeof loginBody>;
export type PasswordBody = FromSchema<typeof passwordBody>;
export type OperatorUserBody = FromSchema<typeof operatorUserBody>;
export type PageQuery = FromSchema<typeof pageQuery>;
export type UserIdParams = FromSchema<typeof userIdParams>;
export type IdParams = FromSchema<typeof idParams>;
export type RoleBody = FromSchema<typeof roleBody>;
export type AccountQuery = FromSchema<typeof accountQuery>;
export type InvitationBody = FromSchema<typeof invitationBody>;
export type AcceptInvitationBody = FromSchema<typeof acceptInvitationBody>;
export type ApiKeyBody = FromSchema<typeof apiKeyBody>;
export type AuditQuery = FromSchema<typeof auditQuery>;
export type CreateAccountWithOwnerBody = FromSchema<typeof createAccountWithOwnerBody>;
