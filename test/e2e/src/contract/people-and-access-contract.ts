// People and access as the management contract runs them, over real sockets in both modes: an owner invited with
// the account logs in with a cookie and a CSRF token, invites a read-only member, creates scoped API keys, revokes
// one; logins are throttled under concurrency; another account never sees any of it; the audit log shows it all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContractTarget } from './management-contract.js';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string } };
  readonly setCookie: string[];
  readonly retryAfter: string | null;
}

interface Session {
  readonly cookie: string;
  readonly csrf: string;
}

export interface PeopleAndAccessRun {
  /** Passwords, tokens and keys the run handled (upper-cased, as the log check compares): none may be logged. */
  secrets(): string[];
}

/** Registers the people-and-access tests of the contract (inside its describe). */
export function peopleAndAccessContract(target: () => ContractTarget): PeopleAndAccessRun {
  const secrets: string[] = [];
  const password = `pw-${Math.random().toString(36).slice(2)}-long-enough`;
  const stamp = Date.now().toString(36);
  const ownerEmail = `owner-${stamp}@example.test`;
  const memberEmail = `member-${stamp}@example.test`;
  secrets.push(password.toUpperCase());

  async function call(
    method: string,
    path: string,
    options: { bearer?: string; session?: Session; csrf?: boolean; body?: unknown } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    if (options.session !== undefined) {
      headers['cookie'] = options.session.cookie;
      if (options.csrf !== false) headers['x-csrf-token'] = options.session.csrf;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${target().apiUrl}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text === '' ? {} : (JSON.parse(text) as Answer['body']),
      setCookie: res.headers.getSetCookie(),
      retryAfter: res.headers.get('retry-after'),
    };
  }

  const expectError = (answer: Answer, status: number, code: string) => {
    assert.equal(answer.body.error?.code, code, JSON.stringify(answer.body));
    assert.equal(answer.status, status);
  };

  function sessionOf(answer: Answer): Session {
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const cookie = answer.setCookie.find((c) => c.startsWith('joinery_session=')) ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const pair = cookie.split(';')[0] ?? '';
    secrets.push((pair.split('=')[1] ?? '').toUpperCase());
    return { cookie: pair, csrf: String(answer.body['csrfToken']) };
  }

  let account: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  let owner: Session;
  let member: Session;
  let memberId: string;
  let devicesKey: { id: string; key: string };

  test('people: an account with an owner invitation; the owner accepts and is logged in with a cookie', async () => {
    const { adminToken } = target();
    const created = await call('POST', '/api/v1/accounts', {
      bearer: adminToken,
      body: { name: 'People', owner: { email: ownerEmail } },
    });
    assert.equal(created.status, 201);
    account = { id: String(created.body['id']), apiKey: String(created.body['apiKey']) };
    const invitation = created.body['invitation'] as { token: string; role: string };
    assert.equal(invitation.role, 'admin');
    secrets.push(invitation.token.toUpperCase(), account.apiKey.toUpperCase());
    owner = sessionOf(
      await call('POST', '/api/v1/invitations/accept', {
        body: { token: invitation.token, name: 'Owner', password },
      }),
    );
    const session = await call('GET', '/api/v1/auth/session', { session: owner });
    assert.deepEqual(session.body['accounts'], [{ id: account.id, name: 'People', role: 'admin' }]);
    const b = await call('POST', '/api/v1/accounts', { bearer: adminToken, body: { name: 'Stranger' } });
    other = { id: String(b.body['id']), apiKey: String(b.body['apiKey']) };
  });

  test('people: the same 401 for a wrong password or email; a change without the CSRF token is refused', async () => {
    const wrong = await call('POST', '/api/v1/auth/login', {
      body: { email: ownerEmail, password: 'not it at all' },
    });
    const nobody = await call('POST', '/api/v1/auth/login', {
      body: { email: `nobody-${stamp}@example.test`, password },
    });
    expectError(wrong, 401, 'invalid_credentials');
    expectError(nobody, 401, 'invalid_credentials');
    assert.deepEqual(wrong.body, nobody.body);
    const body = { email: memberEmail, role: 'member' };
    expectError(
      await call('POST', '/api/v1/invitations', { session: owner, csrf: false, body }),
      403,
      'csrf_failed',
    );
    const invited = await call('POST', '/api/v1/invitations', { session: owner, body });
    assert.equal(invited.status, 201);
    secrets.push(String(invited.body['token']).toUpperCase());
    const accepted = await call('POST', '/api/v1/invitations/accept', {
      body: { token: invited.body['token'], name: 'Member', password },
    });
    member = sessionOf(accepted);
    memberId = String((accepted.body['user'] as { id: string }).id);
  });

  test('people: a member reads and changes nothing; the last admin stays admin', async () => {
    const members = await call('GET', '/api/v1/members', { session: member });
    assert.deepEqual(
      (members.body['items'] as { email: string }[]).map((m) => m.email).sort(),
      [memberEmail, ownerEmail].sort(),
    );
    expectError(
      await call('POST', '/api/v1/api-keys', { session: member, body: { name: 'x', scopes: ['read'] } }),
      403,
      'forbidden',
    );
    expectError(
      await call('PUT', `/api/v1/members/${memberId}`, { session: member, body: { role: 'admin' } }),
      403,
      'forbidden',
    );
    const ownerId = (
      (members.body['items'] as { id: string; email: string }[]).find((m) => m.email === ownerEmail) ?? {
        id: '',
      }
    ).id;
    expectError(await call('DELETE', `/api/v1/members/${ownerId}`, { session: owner }), 409, 'last_admin');
  });

  test('API keys: scoped, shown once, last use listed, refused out of scope, after revocation', async () => {
    const created = await call('POST', '/api/v1/api-keys', {
      session: owner,
      body: { name: 'fleet', scopes: ['devices'] },
    });
    assert.equal(created.status, 201);
    devicesKey = { id: String(created.body['id']), key: String(created.body['key']) };
    secrets.push(devicesKey.key.toUpperCase());
    assert.equal((await call('GET', '/api/v1/devices', { bearer: devicesKey.key })).status, 200);
    expectError(
      await call('POST', '/api/v1/network-servers', {
        bearer: devicesKey.key,
        body: { name: 'n', netId: '000013' },
      }),
      403,
      'insufficient_scope',
    );
    const listed = await call('GET', '/api/v1/api-keys', { session: owner });
    const entry = (listed.body['items'] as { id: string; lastUsedAt: string | null }[]).find(
      (k) => k.id === devicesKey.id,
    );
    assert.ok(entry?.lastUsedAt !== null && entry?.lastUsedAt !== undefined);
    assert.ok(!JSON.stringify(listed.body).includes(devicesKey.key));
    // The account's first key keeps scope admin.
    assert.equal((await call('GET', '/api/v1/members', { bearer: account.apiKey })).status, 200);
    expectError(
      await call('DELETE', `/api/v1/api-keys/${devicesKey.id}`, { bearer: other.apiKey }),
      404,
      'unknown_api_key',
    );
    assert.equal((await call('DELETE', `/api/v1/api-keys/${devicesKey.id}`, { session: owner })).status, 204);
    expectError(await call('GET', '/api/v1/devices', { bearer: devicesKey.key }), 401, 'unauthenticated');
  });

  test('logins are throttled per email under concurrency, with Retry-After', async () => {
    const tries = await Promise.all(
      Array.from({ length: 12 }, () =>
        call('POST', '/api/v1/auth/login', { body: { email: memberEmail, password: 'wrong, wrong, wrong' } }),
      ),
    );
    const codes = tries.map((t) => t.body.error?.code);
    // The default limit: 5 failures without delay, then exponential backoff (none of the racing ones waits).
    assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 5, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 'rate_limited').length, 7, JSON.stringify(codes));
    assert.ok(Number(tries.find((t) => t.status === 429)?.retryAfter) >= 1);
    // After the backoff (1 s, then doubling) the right password gets in again, and un-counts its attempt.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    sessionOf(await call('POST', '/api/v1/auth/login', { body: { email: memberEmail, password } }));
  });

  test('another account sees none of it: members, keys, invitations, audit', async () => {
    const members = await call('GET', '/api/v1/members', { bearer: other.apiKey });
    assert.deepEqual(members.body['items'], []);
    const keys = (await call('GET', '/api/v1/api-keys', { bearer: other.apiKey })).body['items'] as {
      id: string;
    }[];
    assert.ok(!keys.some((k) => k.id === devicesKey.id));
    expectError(
      await call('PUT', `/api/v1/members/${memberId}`, { bearer: other.apiKey, body: { role: 'admin' } }),
      404,
      'unknown_user',
    );
    expectError(
      await call('GET', `/api/v1/audit?accountId=${account.id}`, { bearer: other.apiKey }),
      404,
      'unknown_account',
    );
    const audit = (await call('GET', '/api/v1/audit?limit=500', { bearer: other.apiKey })).body['items'] as {
      accountId: string;
    }[];
    assert.ok(audit.every((e) => e.accountId === other.id));
  });

  test('the audit log of the account: who did what, from where, newest first, paged, no secrets', async () => {
    const all = await call('GET', '/api/v1/audit?limit=500', { session: owner });
    const items = all.body['items'] as {
      action: string;
      actor: { type: string };
      sourceAddress: string | null;
    }[];
    const actions = items.map((e) => e.action);
    for (const action of [
      'account.created',
      'member.joined',
      'member.invited',
      'api-key.created',
      'api-key.revoked',
    ])
      assert.ok(actions.includes(action), `${action} in ${actions.join(' ')}`);
    assert.ok(items.every((e) => e.sourceAddress !== null));
    const page = await call('GET', '/api/v1/audit?limit=2', { session: owner });
    assert.equal((page.body['items'] as unknown[]).length, 2);
    assert.equal(typeof page.body['nextCursor'], 'string');
    const text = JSON.stringify(all.body).toUpperCase();
    for (const secret of secrets) assert.ok(!text.includes(secret), 'no secret in the audit log');
  });

  return { secrets: () => secrets.filter((s) => s !== '') };
}
