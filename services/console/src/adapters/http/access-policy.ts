/**
 * Who may call which route, and what the audit log records of it: the one table of both. A route may declare its
 * own in its config (`scope`, `audit`); a route that does not gets its scope from its path and its audit entry from
 * `auditByRoute` (or one derived from its method and path), filled in when the route is registered
 * (`applyAccessPolicy`). Checked in one place, the authentication hook of api-routes.ts; recorded in one place, its
 * onSend hook.
 */
import type { RouteOptions } from 'fastify';

/** The API key scopes of the plan; `any`: every authenticated caller; `session`: a login session's own calls. */
export type RouteScope = 'read' | 'devices' | 'network-servers' | 'billing' | 'admin' | 'any' | 'session';

export interface AuditContext {
  readonly params: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  /** The answer's JSON body (empty for 204). */
  readonly response: Readonly<Record<string, unknown>>;
}

type Pick = (c: AuditContext) => string | undefined;

export interface AuditSpec {
  readonly action: string;
  readonly targetType: string;
  readonly targetId: Pick;
  /** Non-secret facts only (ids, names, settings): never a key, token, password or claim code. */
  readonly details?: (c: AuditContext) => Record<string, string | number | boolean | null>;
  /** The account the change belongs to when the caller has none (the operator acting for an account). */
  readonly accountId?: Pick;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs (access-policy.ts); absent: decided by its path. */
    scope?: RouteScope;
    /** What the audit log records when the route succeeds; false: nothing (reads). */
    audit?: AuditSpec | false;
    /** A GET that hands out secrets (a credentials bundle): `read` and members do not cover it. */
    secret?: boolean;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const param =
  (name: string): Pick =>
  (c) =>
    str(c.params[name]);
const bodyField =
  (name: string): Pick =>
  (c) =>
    str(c.body[name]);
const responseField =
  (name: string): Pick =>
  (c) =>
    str(c.response[name]);
const upper =
  (pick: Pick): Pick =>
  (c) =>
    pick(c)?.toUpperCase();
const fields =
  (...names: string[]) =>
  (c: AuditContext): Record<string, string | number | boolean | null> => {
    const out: Record<string, string | number | boolean | null> = {};
    for (const n of names) {
      const v = c.body[n];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) out[n] = v;
      else if (Array.isArray(v)) out[n] = v.filter((x) => typeof x === 'string').join(',');
    }
    return out;
  };

/** Path prefixes → the scope a key needs (GET: `read` will do as well). Anything unlisted needs `admin`. */
const scopeByPrefix: readonly (readonly [string, RouteScope])[] = [
  ['/api/v1/whoami', 'any'],
  ['/api/v1/system/', 'any'],
  ['/api/v1/claims', 'devices'],
  ['/api/v1/devices', 'devices'],
  ['/api/v1/activity', 'devices'],
  ['/api/v1/roaming', 'devices'],
  ['/api/v1/network-servers', 'network-servers'],
  ['/api/v1/application-servers', 'network-servers'],
  ['/api/v1/billing/', 'billing'],
];

export function scopeOfPath(url: string): RouteScope {
  for (const [prefix, scope] of scopeByPrefix)
    if (
      url === prefix ||
      url.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) ||
      url.startsWith(`${prefix}?`)
    )
      return scope;
  return 'admin';
}

/**
 * The lifecycle routes of the API plan for NS and AS registrations (`{id}` as `:id`). A bundle download is a GET
 * that hands out credentials, so it is recorded too.
 */
function peerLifecycle(path: string, type: string): Record<string, AuditSpec> {
  const target = { targetType: type, targetId: param('id') };
  return {
    [`PATCH /api/v1/${path}/:id`]: {
      action: `${type}.updated`,
      ...target,
      details: fields('name', 'asyncUrl', 'lifetime', 'appSKeyDelivery'),
    },
    [`DELETE /api/v1/${path}/:id`]: { action: `${type}.revoked`, ...target },
    [`POST /api/v1/${path}/:id/rotations`]: {
      action: `${type}.credentials-rotated`,
      ...target,
      details: fields('overlapSeconds'),
    },
    [`GET /api/v1/${path}/:id/bundles/:bundleId`]: {
      action: `${type}.bundle-downloaded`,
      ...target,
      details: (c) => ({ bundleId: str(c.params['bundleId']) ?? null }),
    },
  };
}

/** The management changes of the routes that existed before the audit log, by `METHOD url`. */
export const auditByRoute: Readonly<Record<string, AuditSpec>> = {
  'POST /api/v1/accounts': {
    action: 'account.created',
    targetType: 'account',
    targetId: responseField('id'),
    accountId: responseField('id'),
    details: (c) => ({
      name: str(c.body['name']) ?? null,
      ownerInvited: str((c.body['owner'] as { email?: unknown } | undefined)?.email) ?? null,
    }),
  },
  'POST /api/v1/transport-keks': {
    action: 'transport-kek.registered',
    targetType: 'transport-kek',
    targetId: bodyField('label'),
  },
  'POST /api/v1/device-batches': {
    action: 'device-batch.imported',
    targetType: 'device-batch',
    targetId: responseField('batchId'),
    details: (c) => ({
      joinEui: str(c.body['joinEui']) ?? null,
      imported: typeof c.response['imported'] === 'number' ? c.response['imported'] : null,
    }),
  },
  'POST /api/v1/network-servers': {
    action: 'network-server.registered',
    targetType: 'network-server',
    targetId: responseField('id'),
    details: fields('name', 'netId', 'nsId', 'appSKeyDelivery', 'asyncUrl'),
    accountId: bodyField('accountId'),
  },
  'POST /api/v1/application-servers': {
    action: 'application-server.registered',
    targetType: 'application-server',
    targetId: responseField('id'),
    details: fields('name', 'asId'),
    accountId: bodyField('accountId'),
  },
  'POST /api/v1/claims': {
    action: 'device.claimed',
    targetType: 'device',
    targetId: upper(bodyField('devEui')),
    details: fields('networkServerId', 'applicationServerId'),
  },
  'DELETE /api/v1/claims/:devEui': {
    action: 'device.unclaimed',
    targetType: 'device',
    targetId: upper(param('devEui')),
  },
  'PUT /api/v1/devices/:devEui/network-server': {
    action: 'device.transferred',
    targetType: 'device',
    targetId: upper(param('devEui')),
    details: fields('networkServerId', 'applicationServerId'),
  },
  'POST /api/v1/devices/:devEui/devnonce-resets': {
    action: 'device.devnonces-reset',
    targetType: 'device',
    targetId: upper(param('devEui')),
    details: fields('reason'),
  },
  'PUT /api/v1/devices/:devEui/roaming': {
    action: 'device.roaming-set',
    targetType: 'device',
    targetId: upper(param('devEui')),
    details: fields('netIds'),
  },
  ...peerLifecycle('network-servers', 'network-server'),
  ...peerLifecycle('application-servers', 'application-server'),
  'POST /api/v1/claims/bulk': {
    action: 'device.bulk-claimed',
    targetType: 'account',
    targetId: () => undefined,
    details: (c) => ({
      claimed: typeof c.response['claimed'] === 'number' ? c.response['claimed'] : null,
      failed: typeof c.response['failed'] === 'number' ? c.response['failed'] : null,
    }),
  },
  'POST /api/v1/claims/qr': {
    action: 'device.claimed',
    targetType: 'device',
    targetId: responseField('devEui'),
    details: fields('networkServerId', 'applicationServerId'),
  },
  'PUT /api/v1/roaming': {
    action: 'account.roaming-set',
    targetType: 'account',
    targetId: (c) => str(c.response['accountId']),
    accountId: (c) => str(c.response['accountId']),
    details: fields('netIds'),
  },
};

const verbs: Readonly<Record<string, string>> = {
  POST: 'created',
  PUT: 'updated',
  PATCH: 'updated',
  DELETE: 'deleted',
};

/**
 * For a change route nobody described: `<resource>.<verb>` from the last fixed path segment (singular) and the
 * method, the target being the last path parameter. Every change is recorded, even one added without an entry.
 */
export function derivedAudit(method: string, url: string): AuditSpec | false {
  const verb = verbs[method];
  if (verb === undefined) return false;
  const segments = url.split('?')[0]?.split('/').slice(3) ?? [];
  const fixed = segments.filter((s) => !s.startsWith(':') && /^[a-z][a-z0-9-]*$/.test(s));
  const params = segments.filter((s) => s.startsWith(':')).map((s) => s.slice(1));
  const resource = (fixed[fixed.length - 1] ?? 'resource').replace(/ies$/, 'y').replace(/s$/, '');
  const last = params[params.length - 1];
  return {
    action: `${resource}.${verb}`,
    targetType: resource,
    targetId: last === undefined ? responseField('id') : param(last),
  };
}

const secretPaths = /\/bundles(\/|$)/;

/** Fills in a route's scope and audit entry from the tables when its config does not declare them. */
export function applyAccessPolicy(route: RouteOptions): void {
  if (!route.url.startsWith('/api/v1/')) return;
  const config = (route.config ?? {}) as NonNullable<RouteOptions['config']>;
  if (config.public === true) return;
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  route.config = {
    ...config,
    secret: config.secret ?? secretPaths.test(route.url),
    scope: config.scope ?? scopeOfPath(route.url),
    audit: config.audit ?? auditByRoute[`${method} ${route.url}`] ?? derivedAudit(method, route.url),
  };
}

const reads = new Set(['GET', 'HEAD']);

/** Whether grants allow a call: `admin` everything, `read` every GET, a scope its own routes (reads included). */
export function grantsAllow(grants: readonly string[], scope: RouteScope, method: string): boolean {
  if (scope === 'any' || scope === 'session') return true;
  if (grants.includes('admin')) return true;
  if (reads.has(method) && grants.includes('read')) return true;
  return scope !== 'admin' && scope !== 'read' && grants.includes(scope);
}
