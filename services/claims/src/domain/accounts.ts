import { claimsErrors } from './errors.js';
import { actingAccount, requireAdmin, type ClaimsContext } from './context.js';
import type { AccountRecord, ApiKeyRecord, Principal, Scope } from './model.js';
import { parseRoamingNetIds } from './roaming.js';
import { generateId, generateToken, safeEqual, sha256Hex } from './secrets.js';

export const adminTokenKeyId = 'admin-token';

/** Accounts and API keys. API keys are 256-bit random tokens stored as SHA-256 and shown once. */
export class Accounts {
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
    };
    await this.ctx.store.putApiKey(record);
    return { record, key };
  }

  async createApiKey(
    principal: Principal,
    input: { accountId: string | null; scope: Scope; name: string },
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    if (input.scope === 'admin') {
      requireAdmin(principal);
      return this.storeNewKey(null, 'admin', input.name);
    }
    if (
      principal.scope !== 'admin' &&
      input.accountId !== null &&
      input.accountId !== '' &&
      input.accountId !== principal.accountId
    )
      throw claimsErrors.permission_denied();
    const accountId = actingAccount(principal, input.accountId);
    if ((await this.ctx.store.getAccount(accountId)) === undefined) throw claimsErrors.unknown_account();
    return this.storeNewKey(accountId, 'owner', input.name);
  }

  async listApiKeys(principal: Principal, accountId: string | null): Promise<readonly ApiKeyRecord[]> {
    const target = principal.scope === 'admin' ? accountId : principal.accountId;
    if (principal.scope !== 'admin' && target === null) throw claimsErrors.permission_denied();
    return this.ctx.store.listApiKeys(target === '' ? null : target);
  }

  async revokeApiKey(principal: Principal, apiKeyId: string): Promise<void> {
    const key = await this.ctx.store.getApiKey(apiKeyId);
    if (key === undefined) throw claimsErrors.unknown_api_key();
    if (principal.scope !== 'admin' && key.accountId !== principal.accountId)
      throw claimsErrors.unknown_api_key();
    if (key.revoked) return;
    await this.ctx.store.putApiKey({ ...key, revoked: true });
    this.ctx.logger.info({ api_key_id: apiKeyId }, 'API key revoked');
  }

  /** The admin token or an active API key → its principal; anything else is `claims:unauthenticated`. */
  async authenticate(token: string): Promise<Principal> {
    if (token === '') throw claimsErrors.unauthenticated();
    const hash = sha256Hex(token);
    if (safeEqual(hash, this.ctx.adminTokenHash))
      return { accountId: null, scope: 'admin', apiKeyId: adminTokenKeyId };
    const key = await this.ctx.store.findApiKeyByHash(hash);
    if (key === undefined || key.revoked) throw claimsErrors.unauthenticated();
    return { accountId: key.accountId, scope: key.scope, apiKeyId: key.id };
  }
}
