import { apiScopes, type ApiScope, type Caller } from './access-model.js';
import { claimsErrors } from './errors.js';
import { requireAccountAdmin } from './grants.js';
import { actingAccount, requireAdmin, type ClaimsContext } from './context.js';
import type { AccountRecord, ApiKeyRecord, Principal, Scope } from './model.js';
import { parseRoamingNetIds } from './roaming.js';
import { generateId, generateToken, safeEqual, sha256Hex } from './secrets.js';

export const adminTokenKeyId = 'admin-token';

const touchEveryMs = 60_000;

/** An API key as listed: with when it was last used. */
export type ApiKeyView = ApiKeyRecord & { readonly lastUsedAt: string | null };

/** Accounts and API keys. API keys are 256-bit random tokens stored as SHA-256 and shown once. */
export class Accounts {
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly ctx: ClaimsContext) {}

  async createAccount(
    principal: Principal,
    name: string,
  ): Promise<{ account: AccountRecord; apiKey: string; apiKeyId: string }> {
    requireAdmin(principal);
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200)
      throw claimsErrors.invalid_argument({ field: 'name', reason: 'must be 1–200 characters' });
    const account: AccountRecord = {
      id: generateId('acc'),
      name: trimmed,
      createdAt: this.ctx.clock.now().toISOString(),
    };
    await this.ctx.store.putAccount(account);
    const { record, key } = await this.storeNewKey(account.id, 'owner', 'default');
    this.ctx.logger.info({ account_id: account.id }, 'account created');
    return { account, apiKey: key, apiKeyId: record.id };
  }

  async getAccount(principal: Principal, accountId: string): Promise<AccountRecord> {
    if (principal.scope !== 'admin' && principal.accountId !== accountId)
      throw claimsErrors.unknown_account();
    const account = await this.ctx.store.getAccount(accountId);
    if (account === undefined) throw claimsErrors.unknown_account();
    return account;
  }

  /**
   * Replaces the account's roaming agreements: NSs registered with one of these NetIDs get the home network of any
   * claimed device of the account (HomeNSReq). Owners set their own; admins name the account.
   */
  async setRoaming(
    principal: Principal,
    accountId: string | null,
    netIdTexts: readonly string[],
  ): Promise<readonly string[]> {
    const netIds = parseRoamingNetIds(netIdTexts);
    const account = await this.getAccount(principal, actingAccount(principal, accountId));
    await this.ctx.store.putAccount({ ...account, roamingNetIds: netIds });
    this.ctx.logger.info({ account_id: account.id, net_ids: netIds }, 'account roaming agreements set');
    return netIds;
  }

  async roaming(principal: Principal, accountId: string | null): Promise<readonly string[]> {
    return (await this.getAccount(principal, actingAccount(principal, accountId))).roamingNetIds ?? [];
  }

  async listAccounts(principal: Principal): Promise<readonly AccountRecord[]> {
    requireAdmin(principal);
    return this.ctx.store.listAccounts();
  }

  private async storeNewKey(
    accountId: string | null,
    scope: Scope,
    name: string,
    options: { scopes?: readonly ApiScope[]; expiresAt?: string | null } = {},
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = generateToken('jk');
    const record: ApiKeyRecord = {
      id: generateId('key'),
      accountId,
      scope,
      name,
      keyHash: sha256Hex(key),
      createdAt: this.ctx.clock.now().toISOString(),
      revoked: false,
      ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    };
    await this.ctx.store.putApiKey(record);
    return { record, key };
  }

  /**
   * A new key. Owner keys carry `scopes` (default `['admin']`, everything in the account) and an optional
   * `expiresAt`; only account admins create them. Admin-scoped keys (no account) are the operator's.
   */
  async createApiKey(
    principal: Principal,
    input: {
      accountId: string | null;
      scope: Scope;
      name: string;
      scopes?: readonly string[];
      expiresAt?: Date | null;
    },
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const name = input.name.trim();
    if (name === '' || name.length > 200)
      throw claimsErrors.invalid_argument({ field: 'name', reason: 'must be 1–200 characters' });
    const scopes = parseScopes(input.scopes ?? []);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && expiresAt.getTime() <= this.ctx.clock.now().getTime())
      throw claimsErrors.invalid_argument({ field: 'expires_at', reason: 'must be in the future' });
    const options = {
      ...(scopes.length === 0 ? {} : { scopes }),
      ...(expiresAt === null ? {} : { expiresAt: expiresAt.toISOString() }),
    };
    if (input.scope === 'admin') {
      requireAdmin(principal);
      return this.storeNewKey(null, 'admin', name, options);
    }
    if (
      principal.scope !== 'admin' &&
      input.accountId !== null &&
      input.accountId !== '' &&
      input.accountId !== principal.accountId
    )
      throw claimsErrors.permission_denied();
    requireAccountAdmin(principal);
    const accountId = actingAccount(principal, input.accountId);
    if ((await this.ctx.store.getAccount(accountId)) === undefined) throw claimsErrors.unknown_account();
    const record = await this.storeNewKey(accountId, 'owner', name, options);
    this.ctx.logger.info({ account_id: accountId, api_key_id: record.record.id }, 'API key created');
    return record;
  }

  async listApiKeys(principal: Principal, accountId: string | null): Promise<readonly ApiKeyView[]> {
    const target = principal.scope === 'admin' ? accountId : principal.accountId;
    if (principal.scope !== 'admin' && target === null) throw claimsErrors.permission_denied();
    if (principal.scope !== 'admin' && accountId !== null && accountId !== '' && accountId !== target)
      throw claimsErrors.unknown_account();
    const keys = await this.ctx.store.listApiKeys(target === '' ? null : target);
    const used = await this.ctx.store.access.apiKeysLastUsed(keys.map((k) => k.id));
    return keys.map((k, i) => ({ ...k, lastUsedAt: used[i] ?? null }));
  }

  async revokeApiKey(principal: Principal, apiKeyId: string): Promise<void> {
    const key = await this.ctx.store.getApiKey(apiKeyId);
    if (key === undefined) throw claimsErrors.unknown_api_key();
    if (principal.scope !== 'admin' && key.accountId !== principal.accountId)
      throw claimsErrors.unknown_api_key();
    requireAccountAdmin(principal);
    if (key.revoked) return;
    await this.ctx.store.putApiKey({ ...key, revoked: true, revokedAt: this.ctx.clock.now().toISOString() });
    this.ctx.logger.info({ api_key_id: apiKeyId }, 'API key revoked');
  }

  /** The admin token or an active API key → its principal; anything else is `claims:unauthenticated`. */
  async authenticate(token: string): Promise<Principal> {
    return (await this.resolve(token)).principal;
  }

  /**
   * As `authenticate`, with the caller's grants and actor (for the scope check and the audit log); records when the
   * key was last used (at most once a minute per key and instance).
   */
  async identify(token: string): Promise<Caller> {
    const { principal, key } = await this.resolve(token);
    if (key === undefined)
      return {
        ...principal,
        grants: ['admin'],
        actor: { type: 'admin', id: adminTokenKeyId, name: 'admin token' },
      };
    const nowMs = this.ctx.clock.now().getTime();
    if ((this.lastTouched.get(key.id) ?? -Infinity) <= nowMs - touchEveryMs) {
      if (this.lastTouched.size >= 10_000) this.lastTouched.clear();
      this.lastTouched.set(key.id, nowMs);
      await this.ctx.store.access.touchApiKey(key.id, new Date(nowMs).toISOString());
    }
    return {
      ...principal,
      grants: key.scopes ?? ['admin'],
      actor: { type: key.scope === 'admin' ? 'admin' : 'api-key', id: key.id, name: key.name },
    };
  }

  private async resolve(token: string): Promise<{ principal: Principal; key?: ApiKeyRecord }> {
    if (token === '') throw claimsErrors.unauthenticated();
    const hash = sha256Hex(token);
    if (safeEqual(hash, this.ctx.adminTokenHash))
      return { principal: { accountId: null, scope: 'admin', apiKeyId: adminTokenKeyId } };
    const key = await this.ctx.store.findApiKeyByHash(hash);
    if (key === undefined || key.revoked) throw claimsErrors.unauthenticated();
    if (
      key.expiresAt !== undefined &&
      key.expiresAt !== null &&
      Date.parse(key.expiresAt) <= this.ctx.clock.now().getTime()
    )
      throw claimsErrors.unauthenticated({ reason: 'expired' });
    return { principal: { accountId: key.accountId, scope: key.scope, apiKeyId: key.id }, key };
  }
}

function parseScopes(raw: readonly string[]): ApiScope[] {
  const scopes = [...new Set(raw)];
  for (const s of scopes)
    if (!(apiScopes as readonly string[]).includes(s))
      throw claimsErrors.invalid_argument({ field: 'scopes', reason: `each one of ${apiScopes.join(', ')}` });
  return apiScopes.filter((s) => scopes.includes(s));
}
