import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { PrincipalSchema, Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { ClaimsClient } from '../../domain/ports.js';
import Fastify, { type RouteOptions } from 'fastify';
import { applyAccessPolicy, derivedAudit, grantsAllow, scopeOfPath } from './access-policy.js';
import { registerApiRoutes } from './api-routes.js';
import { buildConsoleHttpApp } from './console-http-app.js';
import { restErrorOf } from './http-status.js';

const keys: Record<string, string[]> = { 'read-key': ['read'], 'billing-key': ['billing'] };

/** Claims that knows two keys and refuses every other call: a call that passes the scope check shows here. */
function stubClaims(calls: string[]): ClaimsClient {
  return new Proxy({} as ClaimsClient, {
    get: (_target, name: string) => async (request: { token?: string }) => {
      calls.push(name);
      if (name === 'authenticate') {
        const grants = keys[request.token ?? ''];
        if (grants === undefined) throw new JoineryError('claims:unauthenticated', 'unauthenticated', 'no');
        return {
          principal: create(PrincipalSchema, {
            scope: Scope.OWNER,
            accountId: 'acc-1',
            apiKeyId: 'key-1',
            grants,
            actor: { type: 'api-key', id: 'key-1', name: 'k' },
          }),
        };
      }
      throw new JoineryError('claims:unknown_device', 'not_found', 'reached claims');
    },
  });
}

async function operations() {
  const calls: string[] = [];
  const app = await buildConsoleHttpApp({ claims: stubClaims(calls), logger: captureLogs().logger });
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      path,
      url: path.replace(/\{[^}]+\}/g, '0004A30B001C0530'),
      isPublic: Array.isArray(op.security) && op.security.length === 0,
    })),
  );
  return { app, calls, ops };
}

test('a read-only key changes nothing: every change route of the document refuses it before reaching claims', async () => {
  const { app, calls, ops } = await operations();
  const changes = ops.filter((o) => o.method !== 'GET' && !o.isPublic);
  assert.ok(changes.length >= 15, `${changes.length} change routes`);
  for (const op of changes) {
    calls.length = 0;
    const res = await app.inject({
      method: op.method,
      url: op.url,
      headers: { authorization: 'Bearer read-key' },
    });
    const code = (res.json() as { error?: { code: string } }).error?.code;
    const expected = op.path.startsWith('/api/v1/auth/') ? 'session_required' : 'insufficient_scope';
    assert.equal(code, expected, `${op.method} ${op.path}: ${res.body}`);
    assert.deepEqual(
      calls,
      expected === 'session_required' ? [] : ['authenticate'],
      `${op.method} ${op.path}`,
    );
  }
  await app.close();
});

test('a billing key reads billing only: every other read of the document refuses it', async () => {
  const { app, calls, ops } = await operations();
  const reads = ops.filter((o) => o.method === 'GET' && !o.isPublic);
  for (const op of reads) {
    calls.length = 0;
    const res = await app.inject({
      method: 'GET',
      url: op.url,
      headers: { authorization: 'Bearer billing-key' },
    });
    const code = (res.json() as { error?: { code: string } }).error?.code;
    if (op.path.startsWith('/api/v1/billing/')) assert.notEqual(code, 'insufficient_scope', op.path);
    else if (op.path === '/api/v1/whoami' || op.path.startsWith('/api/v1/system/'))
      assert.notEqual(code, 'insufficient_scope', op.path);
    else if (op.path.startsWith('/api/v1/auth/')) assert.equal(code, 'session_required', op.path);
    else assert.equal(code, 'insufficient_scope', `GET ${op.path}: ${res.body}`);
  }
  await app.close();
});

test('scopes by path: unlisted paths need admin; a scope covers its own reads and changes, read every GET', () => {
  assert.equal(scopeOfPath('/api/v1/claims/:devEui'), 'devices');
  assert.equal(scopeOfPath('/api/v1/devices'), 'devices');
  assert.equal(scopeOfPath('/api/v1/network-servers/:id/rotations'), 'network-servers');
  assert.equal(scopeOfPath('/api/v1/application-servers'), 'network-servers');
  assert.equal(scopeOfPath('/api/v1/billing/charges'), 'billing');
  assert.equal(scopeOfPath('/api/v1/device-batches'), 'admin');
  assert.equal(scopeOfPath('/api/v1/devicesx'), 'admin');
  assert.equal(scopeOfPath('/api/v1/something-new'), 'admin');
  assert.equal(grantsAllow(['devices'], 'devices', 'POST'), true);
  assert.equal(grantsAllow(['devices'], 'devices', 'GET'), true);
  assert.equal(grantsAllow(['devices'], 'network-servers', 'GET'), false);
  assert.equal(grantsAllow(['read'], 'admin', 'GET'), true);
  assert.equal(grantsAllow(['read'], 'devices', 'DELETE'), false);
  assert.equal(grantsAllow(['devices'], 'admin', 'GET'), false);
  assert.equal(grantsAllow(['admin'], 'admin', 'DELETE'), true);
});

test('a change route nobody described is still audited, named after its resource', () => {
  const rotation = derivedAudit('POST', '/api/v1/network-servers/:id/rotations');
  assert.ok(rotation !== false);
  assert.equal(rotation.action, 'rotation.created');
  assert.equal(rotation.targetId({ params: { id: 'ns_1' }, body: {}, response: {} }), 'ns_1');
  const update = derivedAudit('PATCH', '/api/v1/application-servers/:id');
  assert.ok(update !== false);
  assert.equal(update.action, 'application-server.updated');
  const bulk = derivedAudit('POST', '/api/v1/claims/bulk');
  assert.ok(bulk !== false);
  assert.equal(bulk.action, 'bulk.created');
  assert.equal(derivedAudit('GET', '/api/v1/devices'), false);
});

test('routes of the plan get their named entries, a bundle download (a GET handing out credentials) included', () => {
  const route = (method: string, url: string) => {
    const r = { method, url, handler: async () => undefined } as unknown as RouteOptions;
    applyAccessPolicy(r);
    return r.config;
  };
  const bundle = route('GET', '/api/v1/network-servers/:id/bundles/:bundleId');
  assert.equal(bundle?.scope, 'network-servers');
  assert.equal(bundle?.secret, true, 'a read-only key or member cannot download credentials');
  assert.ok(bundle?.audit !== undefined && bundle.audit !== false);
  assert.equal(bundle.audit.action, 'network-server.bundle-downloaded');
  const rotation = route('POST', '/api/v1/application-servers/:id/rotations');
  assert.ok(rotation?.audit !== undefined && rotation.audit !== false);
  assert.equal(rotation.audit.action, 'application-server.credentials-rotated');
  assert.equal(route('GET', '/api/v1/devices')?.audit, false);
  assert.equal(route('GET', '/api/v1/whoami')?.scope, 'any');
  const declared = { method: 'POST', url: '/api/v1/x', config: { scope: 'billing', audit: false } };
  applyAccessPolicy(declared as unknown as RouteOptions);
  assert.deepEqual(declared.config, { scope: 'billing', audit: false, secret: false });
});

test('a bundle download (a GET that hands out secrets) needs the network-servers scope, not read', async () => {
  const calls: string[] = [];
  const app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    const rest = restErrorOf(err);
    return reply.code(rest.status).send(rest.body);
  });
  await registerApiRoutes(app, { claims: stubClaims(calls) });
  await app.ready();
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/network-servers/ns_1/bundles/b_1',
    headers: { authorization: 'Bearer read-key' },
  });
  assert.equal(res.statusCode, 403);
  assert.equal((res.json() as { error: { code: string } }).error.code, 'insufficient_scope');
  assert.ok(!calls.includes('takeBundle'), 'the bundle is not used up by a refused download');
  await app.close();
});
