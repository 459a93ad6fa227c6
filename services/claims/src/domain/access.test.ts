import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { JoineryError } from '@joinery/errors';
import { JoinEventSchema, JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { joinEventsHandler } from '../adapters/bus/join-events.js';
import { openLmdbClaimsStore } from '../adapters/embedded/lmdb-store.js';
import {
  admin,
  createHarness,
  devEui,
  importDevices,
  silentLogger,
  rejectsWith,
  type Harness,
} from '../testing/harness.js';
import { accessErrors } from './access-errors.js';
import type { Caller } from './access-model.js';
import { csrfTokenOf } from './access.js';
import { claimsErrors } from './errors.js';
import { hexToBytes } from './identifiers.js';

const password = 'correct horse battery';
const address = '192.0.2.1';

/** Alice (the first admin of `withAdmin`) logs in from `address`. */
const aliceLogin = (h: Harness, pw = password) =>
  h.claims.access.login({ email: 'alice@example.test', password: pw, sourceAddress: address });

/** An account whose first admin accepted an invitation: the harness, the account and the admin's session. */
async function withAdmin(
  options: Parameters<typeof createHarness>[0] = {},
): Promise<{ h: Harness; accountId: string; apiKey: string; token: string; caller: Caller }> {
  const h = await createHarness(options);
  const { account, apiKey } = await h.claims.accounts.createAccount(admin, 'A');
  const { token: invite } = await h.claims.access.createInvitation(admin, {
    accountId: account.id,
    email: 'Alice@Example.test',
    role: 'admin',
  });
  const opened = await h.claims.access.acceptInvitation({
    token: invite,
    name: 'Alice',
    password,
    sourceAddress: address,
  });
  const { caller } = await h.claims.access.authenticateSession(opened.sessionToken, null, true);
  return { h, accountId: account.id, apiKey, token: opened.sessionToken, caller };
}

/** Bob accepts an invitation of `caller` as a member of its account: the invitation and Bob's session. */
async function bobJoins(h: Harness, caller: Caller) {
  const invitation = await h.claims.access.createInvitation(caller, {
    accountId: null,
    email: 'bob@x.test',
    role: 'member',
  });
  const bob = await h.claims.access.acceptInvitation({
    token: invitation.token,
    name: 'Bob',
    password,
    sourceAddress: address,
  });
  return { invitation, bob };
}

test('passwords are scrypt hashes with a salt of their own; the same password hashes differently', async () => {
  const h = await createHarness();
  const one = await h.claims.access.createUser(admin, {
    email: 'a@x.test',
    name: 'A',
    password,
    operator: true,
  });
  const two = await h.claims.access.createUser(admin, {
    email: 'b@x.test',
    name: 'B',
    password,
    operator: false,
  });
  assert.match(one.passwordHash, /^scrypt\$4\$8\$1\$/);
  assert.notEqual(one.passwordHash, two.passwordHash);
  assert.ok(!JSON.stringify(await h.store.access.getUser(one.id)).includes(password));
  await rejectsWith(
    h.claims.access.createUser(admin, { email: 'A@x.test ', name: 'A', password, operator: false }),
    accessErrors.email_taken.code,
  );
  await rejectsWith(
    h.claims.access.createUser(admin, {
      email: 'c@x.test',
      name: 'C',
      password: 'elevenchars',
      operator: false,
    }),
    accessErrors.weak_password.code,
  );
  await rejectsWith(
    h.claims.access.createUser(admin, { email: 'not-an-email', name: 'C', password, operator: false }),
    claimsErrors.invalid_argument.code,
  );
  const { apiKey } = await h.claims.accounts.createAccount(admin, 'A');
  await rejectsWith(
    h.claims.access.createUser(await h.claims.accounts.authenticate(apiKey), {
      email: 'd@x.test',
      name: 'D',
      password,
      operator: true,
    }),
    claimsErrors.admin_only.code,
  );
});

test('a wrong password and an unknown email are the same invalid_credentials; a right one opens a session', async () => {
  const { h, accountId } = await withAdmin();
  await rejectsWith(aliceLogin(h, 'wrong password'), accessErrors.invalid_credentials.code);
  await rejectsWith(
    h.claims.access.login({ email: 'nobody@example.test', password, sourceAddress: address }),
    accessErrors.invalid_credentials.code,
  );
  const opened = await h.claims.access.login({
    email: ' ALICE@example.test',
    password,
    sourceAddress: address,
  });
  assert.match(opened.sessionToken, /^jss_/);
  assert.equal(opened.csrfToken, csrfTokenOf(opened.sessionToken));
  assert.notEqual(csrfTokenOf(opened.sessionToken), csrfTokenOf(`${opened.sessionToken}x`));
  assert.deepEqual(opened.accounts, [{ id: accountId, name: 'A', role: 'admin' }]);
  const stored = await h.store.access.sessionsOfUser(opened.user.id);
  assert.ok(!JSON.stringify(stored).includes(opened.sessionToken), 'the session token is stored hashed');
});

test('racing wrong logins: exactly the per-email limit is checked, the rest rate_limited with retry_after_s', async () => {
  const { h } = await withAdmin({
    access: {
      loginLimits: {
        perEmail: { limit: 3, windowMs: 60_000, free: 3, baseDelayMs: 1000 },
        perAddress: { limit: 100, windowMs: 60_000, free: 100, baseDelayMs: 1000 },
      },
    },
  });
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => aliceLogin(h, 'wrong password')));
  const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as JoineryError).code : 'ok'));
  assert.equal(codes.filter((c) => c === accessErrors.invalid_credentials.code).length, 3);
  assert.equal(codes.filter((c) => c === claimsErrors.rate_limited.code).length, 7);
  const limited = results.find(
    (r) => r.status === 'rejected' && JoineryError.is(r.reason, claimsErrors.rate_limited.code),
  );
  assert.ok(
    limited?.status === 'rejected' && Number((limited.reason as JoineryError).details['retry_after_s']) >= 1,
  );
  h.clock.advance(60_001);
  assert.ok(await aliceLogin(h));
});

test('a right password un-counts its attempt: logging in often never locks the user out', async () => {
  const { h } = await withAdmin({
    access: {
      loginLimits: {
        perEmail: { limit: 2, windowMs: 60_000, free: 2, baseDelayMs: 1000 },
        perAddress: { limit: 2, windowMs: 60_000, free: 2, baseDelayMs: 1000 },
      },
    },
  });
  for (let i = 0; i < 5; i += 1) await aliceLogin(h);
});

test('a session acts in its one account; several accounts need one named; operators act as the admin', async () => {
  const { h, accountId, token, caller } = await withAdmin();
  assert.deepEqual(
    [caller.accountId, caller.scope, caller.grants, caller.actor.type],
    [accountId, 'owner', ['admin'], 'user'],
  );
  const b = await h.claims.accounts.createAccount(admin, 'B');
  const { token: invite } = await h.claims.access.createInvitation(admin, {
    accountId: b.account.id,
    email: 'alice@example.test',
    role: 'member',
  });
  await h.claims.access.acceptInvitation({ token: invite, name: '', password, sourceAddress: address });
  await rejectsWith(
    h.claims.access.authenticateSession(token, null, true),
    accessErrors.account_required.code,
  );
  const loose = await h.claims.access.authenticateSession(token, null, false);
  assert.equal(loose.caller.accountId, null);
  assert.equal(loose.view.accounts.length, 2);
  const inB = await h.claims.access.authenticateSession(token, b.account.id, true);
  assert.deepEqual(inB.caller.grants, ['read']);
  await rejectsWith(
    h.claims.access.authenticateSession(token, 'acc_other', true),
    claimsErrors.unknown_account.code,
  );
  await rejectsWith(
    h.claims.access.authenticateSession('jss_forged', null, true),
    claimsErrors.unauthenticated.code,
  );

  await h.claims.access.createUser(admin, { email: 'ops@x.test', name: 'Ops', password, operator: true });
  const ops = await h.claims.access.login({ email: 'ops@x.test', password, sourceAddress: address });
  const opsCaller = (await h.claims.access.authenticateSession(ops.sessionToken, null, true)).caller;
  assert.deepEqual([opsCaller.scope, opsCaller.accountId], ['admin', null]);
});

test('sessions expire; logout ends one, logout everywhere all; a password change ends the others', async () => {
  const { h, token } = await withAdmin({ access: { sessionTtlMs: 3600_000 } });
  const second = (await aliceLogin(h)).sessionToken;
  const third = (await aliceLogin(h)).sessionToken;
  await h.claims.access.logout(third, false);
  await rejectsWith(
    h.claims.access.authenticateSession(third, null, true),
    claimsErrors.unauthenticated.code,
  );
  const newPassword = 'another long passphrase';
  await rejectsWith(
    h.claims.access.changePassword(token, {
      currentPassword: 'wrong one!!!',
      newPassword,
      sourceAddress: address,
    }),
    accessErrors.invalid_credentials.code,
  );
  await rejectsWith(
    h.claims.access.changePassword(token, {
      currentPassword: password,
      newPassword: 'short',
      sourceAddress: address,
    }),
    accessErrors.weak_password.code,
  );
  await h.claims.access.changePassword(token, {
    currentPassword: password,
    newPassword,
    sourceAddress: address,
  });
  await rejectsWith(
    h.claims.access.authenticateSession(second, null, true),
    claimsErrors.unauthenticated.code,
  );
  assert.ok(await h.claims.access.authenticateSession(token, null, true));
  await rejectsWith(aliceLogin(h), accessErrors.invalid_credentials.code);
  const fourth = (await aliceLogin(h, newPassword)).sessionToken;
  await h.claims.access.logout(fourth, true);
  for (const t of [token, fourth])
    await rejectsWith(h.claims.access.authenticateSession(t, null, true), claimsErrors.unauthenticated.code);
  const fifth = (await aliceLogin(h, newPassword)).sessionToken;
  h.clock.advance(3600_000);
  await rejectsWith(
    h.claims.access.authenticateSession(fifth, null, true),
    claimsErrors.unauthenticated.code,
  );
});

test('invitations: used once, refused after expiry or revocation, only by account admins', async () => {
  const { h, caller, accountId, apiKey } = await withAdmin({ access: { invitationTtlMs: 60_000 } });
  const { invitation: member, bob } = await bobJoins(h, caller);
  await rejectsWith(
    h.claims.access.acceptInvitation({ token: member.token, name: 'Bob', password, sourceAddress: address }),
    accessErrors.unknown_invitation.code,
  );
  const bobCaller = (await h.claims.access.authenticateSession(bob.sessionToken, null, true)).caller;
  await rejectsWith(
    h.claims.access.createInvitation(bobCaller, { accountId: null, email: 'e@x.test', role: 'admin' }),
    accessErrors.forbidden.code,
  );
  const owner = await h.claims.accounts.authenticate(apiKey);
  const readKey = await h.claims.accounts.createApiKey(owner, {
    accountId: null,
    scope: 'owner',
    name: 'r',
    scopes: ['read'],
  });
  await rejectsWith(
    h.claims.access.createInvitation(await h.claims.accounts.identify(readKey.key), {
      accountId: null,
      email: 'e@x.test',
      role: 'admin',
    }),
    accessErrors.insufficient_scope.code,
  );
  const late = await h.claims.access.createInvitation(caller, {
    accountId: null,
    email: 'late@x.test',
    role: 'member',
  });
  const revoked = await h.claims.access.createInvitation(caller, {
    accountId: null,
    email: 'rv@x.test',
    role: 'member',
  });
  await h.claims.access.revokeInvitation(caller, revoked.invitation.id);
  await rejectsWith(
    h.claims.access.acceptInvitation({ token: revoked.token, name: 'R', password, sourceAddress: address }),
    accessErrors.unknown_invitation.code,
  );
  assert.deepEqual(
    (await h.claims.access.listInvitations(caller, null)).map((i) => i.email),
    ['late@x.test'],
  );
  h.clock.advance(60_000);
  await rejectsWith(
    h.claims.access.acceptInvitation({ token: late.token, name: 'L', password, sourceAddress: address }),
    accessErrors.invitation_expired.code,
  );
  await rejectsWith(
    h.claims.access.createInvitation(caller, { accountId: null, email: 'x@x.test', role: 'owner' }),
    claimsErrors.invalid_argument.code,
  );
  await rejectsWith(h.claims.access.listMembers(bobCaller, 'acc_other'), claimsErrors.unknown_account.code);
  assert.equal((await h.claims.access.listMembers(admin, accountId)).length, 2);
});

test('members: roles change, members leave, and the last admin stays', async () => {
  const { h, caller } = await withAdmin();
  const { bob } = await bobJoins(h, caller);
  const aliceId = caller.userId ?? '';
  await rejectsWith(
    h.claims.access.setMemberRole(caller, { accountId: null, userId: aliceId, role: 'member' }),
    accessErrors.last_admin.code,
  );
  await rejectsWith(
    h.claims.access.removeMember(caller, { accountId: null, userId: aliceId }),
    accessErrors.last_admin.code,
  );
  assert.equal(
    (await h.claims.access.setMemberRole(caller, { accountId: null, userId: bob.user.id, role: 'admin' }))
      .role,
    'admin',
  );
  await h.claims.access.removeMember(caller, { accountId: null, userId: aliceId });
  assert.deepEqual(
    (await h.claims.access.listMembers(admin, caller.accountId)).map((m) => m.email),
    ['bob@x.test'],
  );
  // Alice's session no longer reaches the account.
  const { sessionToken: token } = await aliceLogin(h);
  await rejectsWith(
    h.claims.access.authenticateSession(token, null, true),
    accessErrors.account_required.code,
  );
  await rejectsWith(
    h.claims.access.removeMember(caller, { accountId: null, userId: 'usr_nobody' }),
    accessErrors.unknown_user.code,
  );
});

test('API keys: scopes and expiry; the first key of an account and keys from before scopes are admin', async () => {
  const { h, apiKey } = await withAdmin();
  const owner = await h.claims.accounts.identify(apiKey);
  assert.deepEqual([owner.grants, owner.actor.type], [['admin'], 'api-key']);
  const key = await h.claims.accounts.createApiKey(owner, {
    accountId: null,
    scope: 'owner',
    name: 'ci',
    scopes: ['network-servers', 'devices', 'devices'],
    expiresAt: new Date(h.clock.nowMs + 60_000),
  });
  const ci = await h.claims.accounts.identify(key.key);
  assert.deepEqual(ci.grants, ['devices', 'network-servers']);
  assert.deepEqual(ci.actor, { type: 'api-key', id: key.record.id, name: 'ci' });
  await rejectsWith(
    h.claims.accounts.createApiKey(ci, { accountId: null, scope: 'owner', name: 'more', scopes: ['admin'] }),
    accessErrors.insufficient_scope.code,
  );
  await rejectsWith(h.claims.accounts.revokeApiKey(ci, key.record.id), accessErrors.insufficient_scope.code);
  await rejectsWith(
    h.claims.accounts.createApiKey(owner, { accountId: null, scope: 'owner', name: 'x', scopes: ['root'] }),
    claimsErrors.invalid_argument.code,
  );
  await rejectsWith(
    h.claims.accounts.createApiKey(owner, {
      accountId: null,
      scope: 'owner',
      name: 'x',
      expiresAt: new Date(h.clock.nowMs),
    }),
    claimsErrors.invalid_argument.code,
  );
  const listed = await h.claims.accounts.listApiKeys(owner, null);
  assert.equal(listed.find((k) => k.id === key.record.id)?.lastUsedAt, new Date(h.clock.nowMs).toISOString());
  h.clock.advance(60_000);
  await rejectsWith(h.claims.accounts.identify(key.key), claimsErrors.unauthenticated.code);
  await rejectsWith(h.claims.accounts.authenticate(key.key), claimsErrors.unauthenticated.code);
  const { grants } = await h.claims.accounts.identify(apiKey);
  assert.deepEqual(grants, ['admin']);
});

test('the audit log: entries per account, newest first, filtered by action and time, operators see all', async () => {
  const { h, caller, accountId } = await withAdmin();
  const b = await h.claims.accounts.createAccount(admin, 'B');
  const bOwner = await h.claims.accounts.authenticate(b.apiKey);
  const record = (p: typeof caller | typeof bOwner, action: string, id: string) =>
    h.claims.audit.record(p, {
      action,
      target: { type: 'device', id },
      sourceAddress: address,
      details: { n: id },
      accountId: null,
    });
  await record(caller, 'device.claimed', '1');
  h.clock.advance(1000);
  await record(bOwner, 'device.claimed', 'b1');
  h.clock.advance(1000);
  await record(caller, 'api-key.created', '2');
  h.clock.advance(1000);
  await record(caller, 'device.unclaimed', '3');
  await rejectsWith(record(caller, 'Not An Action', '4'), claimsErrors.invalid_argument.code);
  const query = { accountId: null, cursor: null, limit: 50, action: null, since: null, until: null };
  const mine = await h.claims.audit.list(caller, query);
  assert.deepEqual(
    mine.items.map((e) => e.target.id),
    ['3', '2', '1'],
  );
  assert.deepEqual(mine.items[0]?.actor, { type: 'user', id: caller.userId, name: 'alice@example.test' });
  assert.ok(mine.items.every((e) => e.accountId === accountId && e.sourceAddress === address));
  const page1 = await h.claims.audit.list(caller, { ...query, limit: 2 });
  assert.equal(page1.items.length, 2);
  const page2 = await h.claims.audit.list(caller, { ...query, limit: 2, cursor: page1.nextCursor });
  assert.deepEqual(
    page2.items.map((e) => e.target.id),
    ['1'],
  );
  assert.equal(page2.nextCursor, null);
  assert.deepEqual(
    (await h.claims.audit.list(caller, { ...query, action: 'device.*' })).items.map((e) => e.target.id),
    ['3', '1'],
  );
  const t2 = new Date(Date.parse(mine.items[1]?.at ?? ''));
  assert.deepEqual(
    (await h.claims.audit.list(caller, { ...query, since: t2 })).items.map((e) => e.target.id),
    ['3', '2'],
  );
  assert.deepEqual(
    (await h.claims.audit.list(caller, { ...query, until: t2 })).items.map((e) => e.target.id),
    ['1'],
  );
  await rejectsWith(h.claims.audit.list(bOwner, { ...query, accountId }), claimsErrors.unknown_account.code);
  assert.deepEqual(
    (await h.claims.audit.list(bOwner, query)).items.map((e) => e.target.id),
    ['b1'],
  );
  assert.equal((await h.claims.audit.list(admin, query)).items.length, 4);
  assert.deepEqual(
    (await h.claims.audit.list(admin, { ...query, accountId: b.account.id })).items.map((e) => e.target.id),
    ['b1'],
  );
});

const lmdbRoot = mkdtempSync(join(tmpdir(), 'claims-access-'));
after(() => rmSync(lmdbRoot, { recursive: true, force: true }));

for (const [name, store] of [
  ['memory', () => undefined],
  ['lmdb', () => openLmdbClaimsStore(join(lmdbRoot, 'db'))],
] as const)
  test(`accepted join events record which NS got which device keys, once per event (${name})`, async () => {
    const opened = store();
    const h = await createHarness(opened === undefined ? {} : { store: opened });
    await importDevices(h, 2);
    const handle = joinEventsHandler(h.claims, silentLogger);
    const event = (eventId: string, dev: string, outcome: JoinOutcome) => ({
      key: dev,
      value: toBinary(
        JoinEventSchema,
        create(JoinEventSchema, {
          eventId,
          devEui: hexToBytes(dev),
          outcome,
          kind: JoinKind.JOIN_REQUEST,
          accountId: 'acc_abcdefghijkl',
          networkServerId: 'ns_abcdefghijkl',
          netId: hexToBytes('000013'),
          time: timestampFromDate(new Date('2026-11-24T10:00:00Z')),
        }),
      ),
    });
    await handle([
      event('e1', devEui(1), JoinOutcome.ACCEPTED),
      event('e1', devEui(1), JoinOutcome.ACCEPTED),
      event('e2', devEui(2), JoinOutcome.REFUSED),
      event('e3', 'FFFFFFFFFFFFFFFF', JoinOutcome.ACCEPTED),
    ]);
    await handle([event('e1', devEui(1), JoinOutcome.ACCEPTED)]);
    const { items } = await h.claims.audit.list(admin, {
      accountId: 'acc_abcdefghijkl',
      cursor: null,
      limit: 50,
      action: null,
      since: null,
      until: null,
    });
    assert.deepEqual(
      items.map((e) => [
        e.action,
        e.target.id,
        e.actor.type,
        e.actor.id,
        e.details['netId'],
        e.details['joinKind'],
      ]),
      [['keys.released', devEui(1), 'network-server', 'ns_abcdefghijkl', '000013', 'join-request']],
    );
    await h.store.close();
  });
