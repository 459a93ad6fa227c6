// People and access over the real REST API and the real claims service (memory store), in one process: login
// sessions with cookie and CSRF token, throttled logins, invitations, members and roles, scoped API keys, operator
// users and the audit log; every refusal, and every cross-account access refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string } };
  headers: Record<string, unknown>;
}

interface Session {
  cookie: string;
  csrf: string;
  body: Record<string, unknown>;
}

const clock = { nowMs: Date.parse('2026-12-01T10:00:00Z'), now: () => new Date(clock.nowMs) };
const password = 'correct horse battery';

describe('people and access (REST, embedded claims)', () => {
  let api: InProcessApi;
  before(async () => {
    api = await startInProcessApi({
      clock,
      access: {
        loginLimits: {
          perEmail: { limit: 4, windowMs: 60_000, free: 4, baseDelayMs: 1000 },
          perAddress: { limit: 12, windowMs: 60_000, free: 12, baseDelayMs: 1000 },
        },
      },
    });
  });
  after(() => api?.close());

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    options: {
      bearer?: string;
      session?: Session;
      csrf?: string | null;
      account?: string;
      body?: unknown;
      address?: string;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    if (options.session !== undefined) {
      headers['cookie'] = options.session.cookie;
      const csrf = options.csrf === undefined ? options.session.csrf : options.csrf;
      if (csrf !== null) headers['x-csrf-token'] = csrf;
    }
    if (options.account !== undefined) headers['x-joinery-account'] = options.account;
    const res = await api.console.http.inject({
      method,
      url,
      headers,
      remoteAddress: options.address ?? '192.0.2.1',
      ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
    });
    return {
      status: res.statusCode,
      body: res.body === '' ? {} : (res.json() as Answer['body']),
      headers: res.headers,
    };
  }

  const expectError = (answer: Answer, status: number, code: string) => {
    assert.equal(answer.body.error?.code, code, JSON.stringify(answer.body));
    assert.equal(answer.status, status);
  };

  function sessionOf(answer: Answer): Session {
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const setCookie = String(answer.headers['set-cookie'] ?? '');
    const cookie = setCookie.split(';')[0] ?? '';
    assert.match(cookie, /^joinery_session=jss_/);
    return { cookie, csrf: String(answer.body['csrfToken']), body: answer.body };
  }

  const login = async (email: string, pw = password, address?: string) =>
    call('POST', '/api/v1/auth/login', {
      body: { email, password: pw },
      ...(address === undefined ? {} : { address }),
    });

  // Account A with its first owner (alice, by invitation) and a member (bob); account B with its own owner (carol).
  let accountA: { id: string; apiKey: string };
  let accountB: { id: string; apiKey: string };
  let alice: Session;
  let bob: Session;
  let carol: Session;
  let aliceId: string;
  let bobId: string;

  test('an account created with an owner invites that owner; accepting sets an HttpOnly SameSite=Strict cookie', async () => {
    const created = await call('POST', '/api/v1/accounts', {
      bearer: adminToken,
      body: { name: 'A', owner: { email: 'Alice@Example.test' } },
    });
    assert.equal(created.status, 201);
    const invitation = created.body['invitation'] as { token: string; email: string; role: string };
    assert.equal(invitation.email, 'alice@example.test');
    assert.equal(invitation.role, 'admin');
    accountA = { id: String(created.body['id']), apiKey: String(created.body['apiKey']) };

    expectError(
      await call('POST', '/api/v1/invitations/accept', {
        body: { token: invitation.token, name: 'Alice', password: 'short' },
      }),
      400,
      'weak_password',
    );
    const accepted = await call('POST', '/api/v1/invitations/accept', {
      body: { token: invitation.token, name: 'Alice', password },
    });
    const setCookie = String(accepted.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP: no Secure flag');
    alice = sessionOf(accepted);
    assert.deepEqual(alice.body['accounts'], [{ id: accountA.id, name: 'A', role: 'admin' }]);
    aliceId = (alice.body['user'] as { id: string }).id;
    expectError(
      await call('POST', '/api/v1/invitations/accept', {
        body: { token: invitation.token, name: 'X', password },
      }),
      404,
      'unknown_invitation',
    );
    expectError(
      await call('POST', '/api/v1/invitations/accept', { body: { token: 'jinv_nope', name: 'X', password } }),
      404,
      'unknown_invitation',
    );

    const b = await call('POST', '/api/v1/accounts', {
      bearer: adminToken,
      body: { name: 'B', owner: { email: 'carol@example.test' } },
    });
    accountB = { id: String(b.body['id']), apiKey: String(b.body['apiKey']) };
    carol = sessionOf(
      await call('POST', '/api/v1/invitations/accept', {
        body: {
          token: (b.body['invitation'] as { token: string }).token,
          name: 'Carol',
          password,
        },
      }),
    );
  });

  test('login: the same 401 for a wrong password and an unknown email; the session answers like login', async () => {
    const wrong = await login('alice@example.test', 'wrong password!!', '198.51.100.7');
    const unknown = await login('nobody@example.test', password, '198.51.100.7');
    expectError(wrong, 401, 'invalid_credentials');
    expectError(unknown, 401, 'invalid_credentials');
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.headers['set-cookie'], undefined);

    const again = sessionOf(await login('ALICE@example.test'));
    const session = await call('GET', '/api/v1/auth/session', { session: again });
    assert.equal(session.status, 200);
    assert.equal((session.body['user'] as { email: string }).email, 'alice@example.test');
    assert.equal(session.body['csrfToken'], again.csrf);
    expectError(await call('GET', '/api/v1/auth/session'), 401, 'unauthenticated');
    expectError(
      await call('GET', '/api/v1/auth/session', { bearer: accountA.apiKey }),
      401,
      'session_required',
    );
    expectError(
      await call('GET', '/api/v1/auth/session', {
        session: { ...again, cookie: 'joinery_session=jss_forged' },
      }),
      401,
      'unauthenticated',
    );
  });

  test('a change made with the cookie needs the CSRF token of the session; a bearer call needs none', async () => {
    const body = { email: 'bob@example.test', role: 'member' };
    expectError(
      await call('POST', '/api/v1/invitations', { session: alice, csrf: null, body }),
      403,
      'csrf_failed',
    );
    expectError(
      await call('POST', '/api/v1/invitations', { session: alice, csrf: carol.csrf, body }),
      403,
      'csrf_failed',
    );
    expectError(
      await call('POST', '/api/v1/invitations', { session: alice, csrf: '', body }),
      403,
      'csrf_failed',
    );
    assert.equal(
      (await call('GET', '/api/v1/invitations', { session: alice })).body['items'] instanceof Array,
      true,
    );
    const invited = await call('POST', '/api/v1/invitations', { session: alice, body });
    assert.equal(invited.status, 201);
    const byKey = await call('POST', '/api/v1/invitations', {
      bearer: accountA.apiKey,
      body: { email: 'dave@example.test', role: 'member' },
    });
    assert.equal(byKey.status, 201);
    bob = sessionOf(
      await call('POST', '/api/v1/invitations/accept', {
        body: { token: invited.body['token'], name: 'Bob', password },
      }),
    );
    bobId = (bob.body['user'] as { id: string }).id;
    const open = await call('GET', '/api/v1/invitations', { session: alice });
    assert.deepEqual(
      (open.body['items'] as { email: string }[]).map((i) => i.email),
      ['dave@example.test'],
    );
    assert.ok(!JSON.stringify(open.body).includes(String(byKey.body['token'])), 'no token in the list');
    const revoked = await call('DELETE', `/api/v1/invitations/${String(byKey.body['id'])}`, {
      session: alice,
    });
    assert.equal(revoked.status, 204);
    expectError(
      await call('POST', '/api/v1/invitations/accept', {
        body: { token: byKey.body['token'], name: 'Dave', password },
      }),
      404,
      'unknown_invitation',
    );
  });

  test('a member reads everything in the account and changes nothing (403 forbidden)', async () => {
    const members = await call('GET', '/api/v1/members', { session: bob });
    assert.equal(members.status, 200);
    assert.deepEqual(
      (members.body['items'] as { email: string; role: string }[]).map((m) => [m.email, m.role]).sort(),
      [
        ['alice@example.test', 'admin'],
        ['bob@example.test', 'member'],
      ],
    );
    assert.equal((await call('GET', '/api/v1/api-keys', { session: bob })).status, 200);
    assert.equal((await call('GET', '/api/v1/audit', { session: bob })).status, 200);
    assert.equal((await call('GET', '/api/v1/network-servers', { session: bob })).status, 200);
    for (const [method, url, body] of [
      ['POST', '/api/v1/api-keys', { name: 'x', scopes: ['read'] }],
      ['POST', '/api/v1/invitations', { email: 'e@example.test', role: 'admin' }],
      ['PUT', `/api/v1/members/${bobId}`, { role: 'admin' }],
      ['DELETE', `/api/v1/members/${aliceId}`, undefined],
      ['POST', '/api/v1/network-servers', { name: 'n', netId: '000013' }],
      ['POST', '/api/v1/claims', { devEui: '0000000000000001', claimCode: 'x', networkServerId: 'n' }],
      ['PUT', '/api/v1/roaming', { netIds: [] }],
    ] as const)
      expectError(
        await call(method, url, { session: bob, ...(body === undefined ? {} : { body }) }),
        403,
        'forbidden',
      );
  });

  test('roles: an admin promotes and demotes; the last admin can neither be demoted nor removed', async () => {
    expectError(
      await call('PUT', `/api/v1/members/${aliceId}`, { session: alice, body: { role: 'member' } }),
      409,
      'last_admin',
    );
    expectError(await call('DELETE', `/api/v1/members/${aliceId}`, { session: alice }), 409, 'last_admin');
    const promoted = await call('PUT', `/api/v1/members/${bobId}`, {
      session: alice,
      body: { role: 'admin' },
    });
    assert.equal(promoted.status, 200);
    assert.equal(promoted.body['role'], 'admin');
    // Two admins demoting each other at once: exactly one wins, and the account keeps an admin.
    const [x, y] = await Promise.all([
      call('PUT', `/api/v1/members/${aliceId}`, { session: bob, body: { role: 'member' } }),
      call('PUT', `/api/v1/members/${bobId}`, { session: alice, body: { role: 'member' } }),
    ]);
    assert.equal([x, y].filter((r) => r.status === 200).length, 1, JSON.stringify([x.body, y.body]));
    for (const r of [x, y])
      if (r.status !== 200) assert.ok(['last_admin', 'forbidden'].includes(r.body.error?.code ?? ''));
    const roles = new Map(
      (
        (await call('GET', '/api/v1/members', { bearer: accountA.apiKey })).body['items'] as {
          id: string;
          role: string;
        }[]
      ).map((m) => [m.id, m.role]),
    );
    assert.equal([...roles.values()].filter((r) => r === 'admin').length, 1);
    // Back to alice admin, bob member (with the account's first key, which is admin).
    await call('PUT', `/api/v1/members/${aliceId}`, { bearer: accountA.apiKey, body: { role: 'admin' } });
    await call('PUT', `/api/v1/members/${bobId}`, { bearer: accountA.apiKey, body: { role: 'member' } });
    const after = (
      (await call('GET', '/api/v1/members', { bearer: accountA.apiKey })).body['items'] as {
        id: string;
        role: string;
      }[]
    ).map((m) => [m.id, m.role] as const);
    assert.deepEqual(
      new Map(after),
      new Map([
        [aliceId, 'admin'],
        [bobId, 'member'],
      ]),
    );
    expectError(
      await call('PUT', `/api/v1/members/usr_nobody`, { session: alice, body: { role: 'admin' } }),
      404,
      'unknown_user',
    );
  });

  test('API keys: shown once, stored hashed, scoped; last use shown; the first key keeps scope admin', async () => {
    const created = await call('POST', '/api/v1/api-keys', {
      session: alice,
      body: { name: 'ci', scopes: ['devices'] },
    });
    assert.equal(created.status, 201);
    const key = String(created.body['key']);
    assert.match(key, /^jk_/);
    assert.deepEqual(created.body['scopes'], ['devices']);
    assert.equal(created.body['expiresAt'], null);
    const listed = await call('GET', '/api/v1/api-keys', { session: alice });
    assert.ok(!JSON.stringify(listed.body).includes(key), 'the key is never listed');
    const entry = () =>
      call('GET', '/api/v1/api-keys', { session: alice }).then((r) =>
        (r.body['items'] as { id: string; lastUsedAt: string | null }[]).find(
          (k) => k.id === created.body['id'],
        ),
      );
    assert.equal((await entry())?.lastUsedAt, null);

    assert.equal((await call('GET', '/api/v1/devices', { bearer: key })).status, 200);
    assert.equal((await entry())?.lastUsedAt, new Date(clock.nowMs).toISOString());
    for (const [method, url, body] of [
      ['POST', '/api/v1/network-servers', { name: 'n', netId: '000013' }],
      ['GET', '/api/v1/network-servers', undefined],
      ['GET', '/api/v1/billing/charges', undefined],
      ['GET', '/api/v1/members', undefined],
      ['GET', '/api/v1/audit', undefined],
      ['POST', '/api/v1/api-keys', { name: 'more', scopes: ['admin'] }],
      ['DELETE', `/api/v1/api-keys/${String(created.body['id'])}`, undefined],
    ] as const)
      expectError(
        await call(method, url, { bearer: key, ...(body === undefined ? {} : { body }) }),
        403,
        'insufficient_scope',
      );

    const reader = await call('POST', '/api/v1/api-keys', {
      bearer: accountA.apiKey,
      body: { name: 'dashboards', scopes: ['read'] },
    });
    const readKey = String(reader.body['key']);
    assert.equal((await call('GET', '/api/v1/network-servers', { bearer: readKey })).status, 200);
    assert.equal((await call('GET', '/api/v1/audit', { bearer: readKey })).status, 200);
    expectError(
      await call('POST', '/api/v1/claims', {
        bearer: readKey,
        body: { devEui: '0000000000000001', claimCode: 'x', networkServerId: 'n' },
      }),
      403,
      'insufficient_scope',
    );
    const ns = await call('POST', '/api/v1/api-keys', {
      bearer: accountA.apiKey,
      body: { name: 'netops', scopes: ['network-servers'] },
    });
    const registered = await call('POST', '/api/v1/network-servers', {
      bearer: String(ns.body['key']),
      body: { name: 'ns-a', netId: '000013' },
    });
    assert.equal(registered.status, 201);
    expectError(
      await call('GET', '/api/v1/devices', { bearer: String(ns.body['key']) }),
      403,
      'insufficient_scope',
    );
    expectError(
      await call('POST', '/api/v1/api-keys', {
        session: alice,
        body: { name: 'bad', scopes: ['everything'] },
      }),
      400,
      'invalid_request',
    );
    expectError(
      await call('POST', '/api/v1/api-keys', { session: alice, body: { name: 'bad', scopes: [] } }),
      400,
      'invalid_request',
    );
  });

  test('an expired key is refused (401); a revoked key is refused (401); a past expiry is a clear 400', async () => {
    const soon = new Date(clock.nowMs + 60_000).toISOString();
    const created = await call('POST', '/api/v1/api-keys', {
      session: alice,
      body: { name: 'temp', scopes: ['read'], expiresAt: soon },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body['expiresAt'], soon);
    const key = String(created.body['key']);
    assert.equal((await call('GET', '/api/v1/devices', { bearer: key })).status, 200);
    clock.nowMs += 61_000;
    expectError(await call('GET', '/api/v1/devices', { bearer: key }), 401, 'unauthenticated');
    expectError(
      await call('POST', '/api/v1/api-keys', {
        session: alice,
        body: { name: 'past', scopes: ['read'], expiresAt: new Date(clock.nowMs - 1000).toISOString() },
      }),
      400,
      'invalid_argument',
    );

    const other = await call('POST', '/api/v1/api-keys', {
      session: alice,
      body: { name: 'r', scopes: ['read'] },
    });
    const otherKey = String(other.body['key']);
    assert.equal((await call('GET', '/api/v1/devices', { bearer: otherKey })).status, 200);
    assert.equal(
      (await call('DELETE', `/api/v1/api-keys/${String(other.body['id'])}`, { session: alice })).status,
      204,
    );
    expectError(await call('GET', '/api/v1/devices', { bearer: otherKey }), 401, 'unauthenticated');
    const listed = (await call('GET', '/api/v1/api-keys', { session: alice })).body['items'] as {
      id: string;
      revokedAt: string | null;
    }[];
    assert.equal(
      listed.find((k) => k.id === other.body['id'])?.revokedAt,
      new Date(clock.nowMs).toISOString(),
    );
    // The account's first key (created with the account) still has scope admin.
    assert.equal((await call('GET', '/api/v1/members', { bearer: accountA.apiKey })).status, 200);
    const first = (listed as unknown as { name: string; scopes: string[] }[]).find(
      (k) => k.name === 'default',
    );
    assert.deepEqual(first?.scopes, ['admin']);
  });

  test('another account never sees or touches this one: members, keys, invitations, audit, sessions', async () => {
    const aKeys = (await call('GET', '/api/v1/api-keys', { session: alice })).body['items'] as {
      id: string;
    }[];
    const aKey = aKeys[0]?.id ?? '';
    const inv = await call('POST', '/api/v1/invitations', {
      session: alice,
      body: { email: 'erin@example.test', role: 'member' },
    });
    const invId = String(inv.body['id']);
    for (const who of [{ session: carol }, { bearer: accountB.apiKey }]) {
      const members = await call('GET', '/api/v1/members', who);
      assert.deepEqual(
        (members.body['items'] as { email: string }[]).map((m) => m.email),
        ['carol@example.test'],
      );
      const keys = (await call('GET', '/api/v1/api-keys', who)).body['items'] as { id: string }[];
      assert.ok(!keys.some((k) => aKeys.some((a) => a.id === k.id)));
      const invitations = (await call('GET', '/api/v1/invitations', who)).body['items'] as { id: string }[];
      assert.ok(!invitations.some((i) => i.id === invId));
      expectError(await call('DELETE', `/api/v1/api-keys/${aKey}`, who), 404, 'unknown_api_key');
      expectError(await call('DELETE', `/api/v1/invitations/${invId}`, who), 404, 'unknown_invitation');
      expectError(
        await call('PUT', `/api/v1/members/${aliceId}`, { ...who, body: { role: 'member' } }),
        404,
        'unknown_user',
      );
      expectError(await call('DELETE', `/api/v1/members/${bobId}`, who), 404, 'unknown_user');
      expectError(await call('GET', `/api/v1/audit?accountId=${accountA.id}`, who), 404, 'unknown_account');
      expectError(
        await call('POST', '/api/v1/api-keys', {
          ...who,
          body: { name: 'x', scopes: ['read'], accountId: accountA.id },
        }),
        403,
        'permission_denied',
      );
      expectError(
        await call('PUT', `/api/v1/members/${aliceId}`, {
          ...who,
          body: { role: 'member', accountId: accountA.id },
        }),
        404,
        'unknown_account',
      );
      expectError(
        await call('GET', `/api/v1/invitations?accountId=${accountA.id}`, who),
        404,
        'unknown_account',
      );
      expectError(
        await call('GET', `/api/v1/api-keys?accountId=${accountA.id}`, who),
        404,
        'unknown_account',
      );
      expectError(await call('GET', `/api/v1/members?accountId=${accountA.id}`, who), 404, 'unknown_account');
      expectError(
        await call('POST', '/api/v1/invitations', {
          ...who,
          body: { email: 'x@example.test', role: 'admin', accountId: accountA.id },
        }),
        404,
        'unknown_account',
      );
      const audit = (await call('GET', '/api/v1/audit?limit=500', who)).body['items'] as {
        accountId: string;
      }[];
      assert.ok(audit.length > 0);
      assert.ok(
        audit.every((e) => e.accountId === accountB.id),
        JSON.stringify(audit),
      );
    }
    expectError(
      await call('GET', '/api/v1/members', { session: carol, account: accountA.id }),
      404,
      'unknown_account',
    );
    // A's key is unharmed.
    assert.equal((await call('GET', '/api/v1/api-keys', { bearer: accountA.apiKey })).status, 200);
  });

  test('a user in two accounts names one with X-Joinery-Account (400 account_required without)', async () => {
    const inv = await call('POST', '/api/v1/invitations', {
      session: carol,
      body: { email: 'bob@example.test', role: 'admin' },
    });
    // An existing user proves it is them with their password.
    expectError(
      await call('POST', '/api/v1/invitations/accept', {
        body: { token: inv.body['token'], password: 'not bobs password' },
      }),
      401,
      'invalid_credentials',
    );
    const joined = sessionOf(
      await call('POST', '/api/v1/invitations/accept', { body: { token: inv.body['token'], password } }),
    );
    assert.equal((joined.body['accounts'] as unknown[]).length, 2);
    expectError(await call('GET', '/api/v1/members', { session: joined }), 400, 'account_required');
    assert.equal((await call('GET', '/api/v1/auth/session', { session: joined })).status, 200);
    const inB = await call('GET', '/api/v1/members', { session: joined, account: accountB.id });
    assert.equal((inB.body['items'] as unknown[]).length, 2);
    // Admin in B, member in A.
    assert.equal(
      (
        await call('POST', '/api/v1/api-keys', {
          session: joined,
          account: accountB.id,
          body: { name: 'b', scopes: ['read'] },
        })
      ).status,
      201,
    );
    expectError(
      await call('POST', '/api/v1/api-keys', {
        session: joined,
        account: accountA.id,
        body: { name: 'a', scopes: ['read'] },
      }),
      403,
      'forbidden',
    );
  });

  test('password change: checks the current one, ends the other sessions, the new one logs in', async () => {
    const second = sessionOf(await login('alice@example.test'));
    const newPassword = 'a much better passphrase';
    expectError(
      await call('PUT', '/api/v1/auth/password', {
        session: alice,
        body: { currentPassword: 'wrong password!!', newPassword },
      }),
      401,
      'invalid_credentials',
    );
    expectError(
      await call('PUT', '/api/v1/auth/password', {
        session: alice,
        body: { currentPassword: password, newPassword: 'short' },
      }),
      400,
      'invalid_request',
    );
    expectError(
      await call('PUT', '/api/v1/auth/password', {
        session: alice,
        csrf: null,
        body: { currentPassword: password, newPassword },
      }),
      403,
      'csrf_failed',
    );
    const changed = await call('PUT', '/api/v1/auth/password', {
      session: alice,
      body: { currentPassword: password, newPassword },
    });
    assert.equal(changed.status, 204);
    assert.equal((await call('GET', '/api/v1/auth/session', { session: alice })).status, 200);
    expectError(await call('GET', '/api/v1/auth/session', { session: second }), 401, 'unauthenticated');
    expectError(await login('alice@example.test', password, '203.0.113.50'), 401, 'invalid_credentials');
    alice = sessionOf(await login('alice@example.test', newPassword, '203.0.113.51'));
  });

  test('logout ends this session and clears the cookie; logout-all ends every session of the user', async () => {
    const one = sessionOf(await login('carol@example.test'));
    const two = sessionOf(await login('carol@example.test'));
    expectError(await call('POST', '/api/v1/auth/logout', { session: one, csrf: null }), 403, 'csrf_failed');
    const out = await call('POST', '/api/v1/auth/logout', { session: one });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /joinery_session=;/);
    expectError(await call('GET', '/api/v1/auth/session', { session: one }), 401, 'unauthenticated');
    assert.equal((await call('GET', '/api/v1/auth/session', { session: two })).status, 200);
    assert.equal((await call('POST', '/api/v1/auth/logout-all', { session: two })).status, 204);
    for (const s of [two, carol])
      expectError(await call('GET', '/api/v1/auth/session', { session: s }), 401, 'unauthenticated');
    expectError(
      await call('POST', '/api/v1/auth/logout', { bearer: accountB.apiKey }),
      401,
      'session_required',
    );
    carol = sessionOf(await login('carol@example.test'));
  });

  test('logins are limited per email under concurrency: exactly the limit gets an answer, the rest 429', async () => {
    clock.nowMs += 10 * 60_000;
    const tries = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        login('bob@example.test', 'wrong password!!', `198.51.100.${i + 10}`),
      ),
    );
    const codes = tries.map((t) => t.body.error?.code);
    assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 4, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 'rate_limited').length, 8, JSON.stringify(codes));
    const limited = tries.find((t) => t.status === 429);
    assert.ok(Number(limited?.headers['retry-after']) >= 1);
    // Even the right password waits now, and a wrong one does not extend anything for another email.
    expectError(await login('bob@example.test', password, '198.51.100.99'), 429, 'rate_limited');
    clock.nowMs += 61_000;
    assert.equal((await login('bob@example.test', password, '198.51.100.99')).status, 200);
  });

  test('logins are limited per source address, whatever the email', async () => {
    clock.nowMs += 10 * 60_000;
    const tries = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        login(`guess${i}@example.test`, 'wrong password!!', '203.0.113.9'),
      ),
    );
    const codes = tries.map((t) => t.body.error?.code);
    assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 12, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 'rate_limited').length, 4);
    expectError(await login('carol@example.test', password, '203.0.113.9'), 429, 'rate_limited');
    assert.equal((await login('carol@example.test', password, '203.0.113.10')).status, 200);
  });

  test('operator users: created by the admin, act as the admin token does; owners cannot create them', async () => {
    const body = { email: 'ops@joinery.test', name: 'Ops', password };
    expectError(
      await call('POST', '/api/v1/operator/users', { bearer: accountA.apiKey, body }),
      403,
      'admin_only',
    );
    expectError(await call('POST', '/api/v1/operator/users', { session: alice, body }), 403, 'admin_only');
    const created = await call('POST', '/api/v1/operator/users', { bearer: adminToken, body });
    assert.equal(created.status, 201);
    assert.equal(created.body['operator'], true);
    expectError(
      await call('POST', '/api/v1/operator/users', { bearer: adminToken, body }),
      409,
      'email_taken',
    );
    const ops = sessionOf(await login('ops@joinery.test'));
    assert.equal((ops.body['user'] as { operator: boolean }).operator, true);
    const account = await call('POST', '/api/v1/accounts', { session: ops, body: { name: 'C' } });
    assert.equal(account.status, 201);
    expectError(
      await call('POST', '/api/v1/accounts', { session: ops, csrf: null, body: { name: 'D' } }),
      403,
      'csrf_failed',
    );
    const all = await call('GET', '/api/v1/audit?action=account.created', { session: ops });
    const entry = (
      all.body['items'] as { actor: { type: string; name: string }; target: { id: string } }[]
    )[0];
    assert.deepEqual(entry?.actor.type, 'user');
    assert.equal(entry?.actor.name, 'ops@joinery.test');
    assert.equal(entry?.target.id, account.body['id']);
  });

  test('the audit log: every change with actor, time and source address, no secrets, paged and filtered', async () => {
    const { body } = await call('GET', '/api/v1/audit?limit=500', { session: alice });
    const items = body['items'] as {
      id: string;
      at: string;
      accountId: string;
      action: string;
      actor: { type: string; id: string };
      sourceAddress: string;
      target: { type: string; id: string };
    }[];
    const actions = new Set(items.map((e) => e.action));
    for (const action of [
      'member.invited',
      'member.joined',
      'invitation.revoked',
      'member.role-changed',
      'api-key.created',
      'api-key.revoked',
      'network-server.registered',
      'user.logged-in',
      'user.password-changed',
      'account.created',
    ])
      assert.ok(actions.has(action), `${action} in ${[...actions].join(' ')}`);
    assert.ok(items.every((e) => e.accountId === accountA.id));
    assert.ok(items.every((e) => e.sourceAddress !== null && e.sourceAddress !== ''));
    const invited = items.find((e) => e.action === 'member.invited');
    assert.equal(invited?.actor.type, 'user');
    const byKey = items.find((e) => e.action === 'network-server.registered');
    assert.equal(byKey?.actor.type, 'api-key');
    const sorted = [...items].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
    assert.deepEqual(
      items.map((e) => e.at),
      sorted.map((e) => e.at),
      'newest first',
    );
    const text = JSON.stringify(body);
    for (const secret of [
      password,
      accountA.apiKey,
      alice.csrf,
      alice.cookie.split('=')[1] ?? 'x',
      'jk_',
      'jinv_',
      'jss_',
    ])
      assert.ok(!text.includes(secret), 'no secret in the audit log');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await call(
        'GET',
        `/api/v1/audit?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
        {
          session: alice,
        },
      );
      const pageItems = page.body['items'] as { id: string }[];
      assert.ok(pageItems.length <= 3);
      seen.push(...pageItems.map((e) => e.id));
      cursor = page.body['nextCursor'] as string | null;
    } while (cursor !== null);
    assert.deepEqual(
      seen,
      items.map((e) => e.id),
    );

    const filtered = await call('GET', '/api/v1/audit?action=api-key.*', { session: alice });
    const kinds = new Set((filtered.body['items'] as { action: string }[]).map((e) => e.action));
    assert.deepEqual([...kinds].sort(), ['api-key.created', 'api-key.revoked']);
    const middle = items[Math.floor(items.length / 2)]?.at ?? '';
    const since = (await call('GET', `/api/v1/audit?limit=500&since=${middle}`, { session: alice })).body[
      'items'
    ] as { at: string }[];
    assert.ok(since.length > 0 && since.every((e) => e.at >= middle));
    const until = (await call('GET', `/api/v1/audit?limit=500&until=${middle}`, { session: alice })).body[
      'items'
    ] as { at: string }[];
    assert.ok(until.every((e) => e.at < middle));
    assert.equal(since.length + until.length, items.length);
    expectError(await call('GET', '/api/v1/audit?limit=0', { session: alice }), 400, 'invalid_request');

    const operator = await call('GET', '/api/v1/audit?limit=500', { bearer: adminToken });
    const accounts = new Set(
      (operator.body['items'] as { accountId: string | null }[]).map((e) => e.accountId),
    );
    assert.ok(accounts.has(accountA.id) && accounts.has(accountB.id));
    const onlyB = await call('GET', `/api/v1/audit?limit=500&accountId=${accountB.id}`, {
      bearer: adminToken,
    });
    assert.ok((onlyB.body['items'] as { accountId: string }[]).every((e) => e.accountId === accountB.id));
  });
});
