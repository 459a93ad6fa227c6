import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admin, adminToken, createHarness, rejectsWith } from '../testing/harness.js';
import { claimsErrors } from './errors.js';

test('the admin token authenticates as admin; anything else is unauthenticated', async () => {
  const { claims } = await createHarness();
  assert.deepEqual(await claims.accounts.authenticate(adminToken), admin);
  await rejectsWith(claims.accounts.authenticate('nope'), claimsErrors.unauthenticated.code);
  await rejectsWith(claims.accounts.authenticate(''), claimsErrors.unauthenticated.code);
});

test('an account comes with an owner API key, stored only as its SHA-256', async () => {
  const { claims, store } = await createHarness();
  const { account, apiKey, apiKeyId } = await claims.accounts.createAccount(admin, 'Acme Farms');
  assert.match(apiKey, /^jk_[A-Za-z0-9_-]{43}$/);
  const principal = await claims.accounts.authenticate(apiKey);
  assert.deepEqual(principal, { accountId: account.id, scope: 'owner', apiKeyId });
  const stored = await store.getApiKey(apiKeyId);
  assert.ok(stored);
  assert.ok(!JSON.stringify(stored).includes(apiKey));
});

test('only admins create accounts and admin keys; owners manage their own keys', async () => {
  const { claims } = await createHarness();
  const a = await claims.accounts.createAccount(admin, 'A');
  const b = await claims.accounts.createAccount(admin, 'B');
  const ownerA = await claims.accounts.authenticate(a.apiKey);
  await rejectsWith(claims.accounts.createAccount(ownerA, 'X'), claimsErrors.admin_only.code);
  await rejectsWith(
    claims.accounts.createApiKey(ownerA, { accountId: null, scope: 'admin', name: 'x' }),
    claimsErrors.admin_only.code,
  );
  await rejectsWith(
    claims.accounts.createApiKey(ownerA, { accountId: b.account.id, scope: 'owner', name: 'x' }),
    claimsErrors.permission_denied.code,
  );
  await rejectsWith(claims.accounts.getAccount(ownerA, b.account.id), claimsErrors.unknown_account.code);
  await rejectsWith(claims.accounts.revokeApiKey(ownerA, b.apiKeyId), claimsErrors.unknown_api_key.code);
  const second = await claims.accounts.createApiKey(ownerA, { accountId: null, scope: 'owner', name: 'ci' });
  assert.equal(second.record.accountId, a.account.id);
  assert.equal((await claims.accounts.listApiKeys(ownerA, null)).length, 2);
  const adminKey = await claims.accounts.createApiKey(admin, {
    accountId: null,
    scope: 'admin',
    name: 'ops',
  });
  assert.equal((await claims.accounts.authenticate(adminKey.key)).scope, 'admin');
});

test('a revoked API key is refused from then on', async () => {
  const { claims } = await createHarness();
  const a = await claims.accounts.createAccount(admin, 'A');
  const owner = await claims.accounts.authenticate(a.apiKey);
  await claims.accounts.revokeApiKey(owner, a.apiKeyId);
  await rejectsWith(claims.accounts.authenticate(a.apiKey), claimsErrors.unauthenticated.code);
  await claims.accounts.revokeApiKey(admin, a.apiKeyId);
});
