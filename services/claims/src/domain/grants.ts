import { accessErrors } from './access-errors.js';
import type { ApiScope, Caller } from './access-model.js';
import type { Principal } from './model.js';

/**
 * A principal as a caller: principals from before scopes (no `grants`) are the admin token or an account's full key,
 * so they get `['admin']`.
 */
export function callerOf(principal: Principal): Caller {
  const p = principal as Partial<Caller> & Principal;
  return {
    ...principal,
    grants: p.grants ?? ['admin'],
    actor:
      p.actor ??
      (principal.scope === 'admin'
        ? { type: 'admin', id: principal.apiKeyId, name: 'admin' }
        : { type: 'api-key', id: principal.apiKeyId, name: principal.apiKeyId }),
  };
}

export function hasGrant(principal: Principal, scope: ApiScope): boolean {
  if (principal.scope === 'admin') return true;
  const { grants } = callerOf(principal);
  return grants.includes('admin') || grants.includes(scope);
}

/** Account admins (and operators) only: a member is `claims:forbidden`, a narrower key `claims:insufficient_scope`. */
export function requireAccountAdmin(principal: Principal): void {
  if (hasGrant(principal, 'admin')) return;
  throw callerOf(principal).actor.type === 'user'
    ? accessErrors.forbidden()
    : accessErrors.insufficient_scope();
}
