import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { LoginResponseSchema } from '@joinery/proto/claims/v1/claims_pb';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { pageOf, setSessionCookie } from './access-views.js';

test('the session cookie is Secure when the API is served over HTTPS, and never readable by scripts', async () => {
  const app = Fastify();
  await app.register(cookie);
  app.get('/', async (request, reply) => {
    const login = create(LoginResponseSchema, { sessionToken: 'jss_token' });
    setSessionCookie(
      { ...request, protocol: request.headers['x-test-https'] === '1' ? 'https' : 'http' } as never,
      reply,
      login,
    );
    return {};
  });
  const plain = String((await app.inject({ url: '/' })).headers['set-cookie']);
  const tls = String(
    (await app.inject({ url: '/', headers: { 'x-test-https': '1' } })).headers['set-cookie'],
  );
  for (const c of [plain, tls]) {
    assert.match(c, /^joinery_session=jss_token;/);
    assert.match(c, /HttpOnly/);
    assert.match(c, /SameSite=Strict/);
  }
  assert.doesNotMatch(plain, /Secure/);
  assert.match(tls, /Secure/);
  await app.close();
});

test('pages of a whole list: by key after the cursor, nextCursor null on the last page', () => {
  const items = ['c', 'a', 'e', 'b', 'd'].map((id) => ({ id }));
  const first = pageOf(items, (i) => i.id, undefined, 2);
  assert.deepEqual(first, { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'b' });
  const last = pageOf(items, (i) => i.id, 'c', 2);
  assert.deepEqual(last, { items: [{ id: 'd' }, { id: 'e' }], nextCursor: null });
});
