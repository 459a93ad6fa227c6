import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { errorKinds, JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { DeviceSchema, DeviceState, PrincipalSchema, Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildConsoleApp, type ConsoleApp } from './app.js';
import { buildConsoleHttpApp } from './adapters/http/console-http-app.js';
import { httpStatusByKind, restErrorOf } from './adapters/http/http-status.js';
import type { BillingQueries, ClaimsClient } from './domain/ports.js';

const devEui = '0004A30B001C0530';
const device = create(DeviceSchema, {
  devEui: Buffer.from(devEui, 'hex'),
  joinEui: Buffer.from('70B3D57ED0000000', 'hex'),
  macVersion: '1.0.3',
  state: DeviceState.CLAIMED,
  claimed: true,
  accountId: 'acc-1',
  networkServerId: 'ns-1',
  activated: true,
  joinCount: 3,
  lastJoinAt: timestampFromDate(new Date('2026-11-24T10:00:00Z')),
});

/** Claims as the console sees it: a few methods answer, the rest fail loudly so a stray call shows. */
function stubClaims(calls: string[]): ClaimsClient {
  const impl: Partial<Record<string, (request: never) => Promise<unknown>>> = {
    authenticate: async (request: { token: string }) => {
      if (request.token === 'admin') return { principal: create(PrincipalSchema, { scope: Scope.ADMIN }) };
      if (request.token === 'owner')
        return { principal: create(PrincipalSchema, { scope: Scope.OWNER, accountId: 'acc-1' }) };
      throw new JoineryError('claims:unauthenticated', 'unauthenticated', 'unknown or revoked credentials');
    },
    getDevice: async () => ({ device }),
    unclaim: async () => ({}),
    resetDevNonces: async (request: { reason: string; principal?: { accountId: string } }) => ({
      reset: {
        actor: `account:${request.principal?.accountId ?? ''}/key-1`,
        reason: request.reason,
        time: timestampFromDate(new Date('2026-12-02T10:00:00Z')),
        lastDevNonce: 523,
        historySize: 0,
      },
    }),
    getNonceState: async () => ({
      joinNonce: 9,
      lastDevNonce: -1,
      devNonceHistorySize: 0,
      sessionCount: 3,
      resets: [
        {
          actor: 'account:acc-1/key-1',
          reason: 'battery swapped',
          time: timestampFromDate(new Date('2026-12-02T10:00:00Z')),
          lastDevNonce: 523,
          historySize: 0,
        },
      ],
    }),
    claim: async (request: { claimCode: string }) => {
      if (request.claimCode === 'guess')
        throw new JoineryError(
          'claims:rate_limited',
          'resource_exhausted',
          'too many failed claim attempts',
          {
            details: { retry_after_s: 17 },
          },
        );
      if (request.claimCode !== 'right')
        throw new JoineryError(
          'claims:wrong_claim_code',
          'permission_denied',
          'the claim code does not match',
        );
      return { device };
    },
  };
  return new Proxy({} as ClaimsClient, {
    get: (_target, name: string) => async (request: never) => {
      calls.push(name);
      const method = impl[name];
      if (method === undefined) throw new Error(`unexpected claims call ${name}`);
      return method(request);
    },
  });
}

describe('console REST API', () => {
  const calls: string[] = [];
  const chargeQueries: { accountId?: string }[] = [];
  const billing: BillingQueries = {
    async listCharges(query) {
      chargeQueries.push(query);
      return [
        {
          devEui,
          accountId: 'acc-1',
          amountMinor: 20,
          currency: 'USD',
          chargedAt: '2026-11-24T10:00:00.000Z',
        },
      ];
    },
    async invoice(accountId, year, month) {
      return {
        number: null,
        status: 'draft',
        issuedAt: null,
        issuer: { name: 'Joinery', address: '', taxId: '', email: '' },
        accountId,
        period: `${year}-${String(month).padStart(2, '0')}`,
        periodStart: new Date(Date.UTC(year, month - 1, 1)).toISOString(),
        periodEnd: new Date(Date.UTC(year, month, 1)).toISOString(),
        lines: [],
        totals: [{ currency: 'USD', totalMinor: 0 }],
        charges: [],
        totalMinor: 0,
        currency: 'USD',
        csv: 'devEui,accountId,amountMinor,currency,chargedAt\ntotal,,0,USD,\n',
      };
    },
    async listInvoices() {
      return [];
    },
  };
  let app: ConsoleApp;
  let http: FastifyInstance;
  before(async () => {
    app = await buildConsoleApp({ claims: stubClaims(calls), billing, logger: captureLogs().logger });
    http = app.http;
  });
  after(() => app.close());
  /** A call with the bearer token `token`, and its JSON body when given. */
  const call = (
    token: string,
    method: NonNullable<InjectOptions['method']>,
    url: string,
    payload?: InjectOptions['payload'],
  ) =>
    http.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    });
  /** Asserts an answer in the REST error shape: its status and its code. */
  const assertError = (res: LightMyRequestResponse, status: number, code: string, message?: string) => {
    assert.equal(res.statusCode, status, message);
    assert.equal(res.json().error.code, code, message);
  };

  test('a call without a bearer token is 401 unauthenticated, and claims is not asked', async () => {
    calls.length = 0;
    const res = await http.inject({ method: 'GET', url: `/api/v1/devices/${devEui}` });
    assertError(res, 401, 'unauthenticated');
    assert.deepEqual(calls, []);
  });

  test('an unknown token is 401 with the claims code', async () => {
    const res = await call('nope', 'GET', `/api/v1/devices/${devEui}`);
    assertError(res, 401, 'unauthenticated');
  });

  test('GET /devices/{devEui} answers exactly the PRODUCT.md device shape', async () => {
    const res = await call('owner', 'GET', `/api/v1/devices/${devEui}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      devEui,
      joinEui: '70B3D57ED0000000',
      macVersion: '1.0.3',
      claimed: true,
      accountId: 'acc-1',
      networkServerId: 'ns-1',
      activated: true,
      joinCount: 3,
      lastJoinAt: '2026-11-24T10:00:00.000Z',
    });
  });

  test('a DevNonce reset is 201 with who, why and what was forgotten; the nonce state lists it', async () => {
    calls.length = 0;
    const res = await call('owner', 'POST', `/api/v1/devices/${devEui.toLowerCase()}/devnonce-resets`, {
      reason: 'battery swapped',
    });
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json(), {
      actor: 'account:acc-1/key-1',
      reason: 'battery swapped',
      at: '2026-12-02T10:00:00.000Z',
      lastDevNonce: 523,
      historySize: 0,
    });
    const state = await call('owner', 'GET', `/api/v1/devices/${devEui.toLowerCase()}/nonces`);
    assert.equal(state.statusCode, 200);
    assert.equal(state.json().devEui, devEui);
    assert.equal(state.json().joinNonce, 9);
    assert.equal(state.json().resets[0].reason, 'battery swapped');
    // The change is recorded in the audit log, once.
    assert.deepEqual(calls, [
      'authenticate',
      'resetDevNonces',
      'recordAudit',
      'authenticate',
      'getNonceState',
    ]);
    for (const payload of [
      {},
      { reason: '' },
      { reason: 'x'.repeat(501) },
      { reason: 'ok', actor: 'someone else' },
    ]) {
      calls.length = 0;
      const bad = await call('owner', 'POST', `/api/v1/devices/${devEui}/devnonce-resets`, payload);
      assert.equal(bad.statusCode, 400, JSON.stringify(payload));
      assert.ok(!calls.includes('resetDevNonces'), 'an invalid reset never reaches claims');
    }
  });

  test('a body that breaks the schema is 400 invalid_request and reaches no service', async () => {
    calls.length = 0;
    for (const payload of [
      { devEui: 'XYZ', claimCode: 'right', networkServerId: 'ns-1' },
      { devEui, claimCode: 'right' },
      { devEui, claimCode: 'right', networkServerId: 'ns-1', extra: true },
      { devEui, claimCode: 7, networkServerId: 'ns-1' },
    ]) {
      const res = await call('owner', 'POST', '/api/v1/claims', payload);
      assertError(res, 400, 'invalid_request', JSON.stringify(payload));
    }
    assert.deepEqual(calls, ['authenticate', 'authenticate', 'authenticate', 'authenticate']);
  });

  test('a body that is not JSON is 400 invalid_json', async () => {
    const res = await http.inject({
      method: 'POST',
      url: '/api/v1/claims',
      headers: { authorization: 'Bearer owner', 'content-type': 'application/json' },
      payload: '{"devEui":',
    });
    assertError(res, 400, 'invalid_json');
  });

  test('claim errors explain themselves: wrong_claim_code is 403', async () => {
    const res = await call('owner', 'POST', '/api/v1/claims', {
      devEui,
      claimCode: 'wrong',
      networkServerId: 'ns-1',
    });
    assertError(res, 403, 'wrong_claim_code');
    const ok = await call('owner', 'POST', '/api/v1/claims', {
      devEui,
      claimCode: 'right',
      networkServerId: 'ns-1',
    });
    assert.equal(ok.statusCode, 201);
    assert.equal(ok.json().devEui, devEui);
  });

  test('a rate-limited claim is 429 rate_limited with Retry-After in seconds', async () => {
    const res = await call('owner', 'POST', '/api/v1/claims', {
      devEui,
      claimCode: 'guess',
      networkServerId: 'ns-1',
    });
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '17');
    assert.equal(res.json().error.code, 'rate_limited');
  });

  test('an owner sees only its own charges whatever account it asks for; the admin chooses', async () => {
    chargeQueries.length = 0;
    const own = await call('owner', 'GET', '/api/v1/billing/charges?accountId=acc-2');
    assert.equal(own.statusCode, 200);
    assert.deepEqual(own.json().charges[0], {
      devEui,
      accountId: 'acc-1',
      amountMinor: 20,
      currency: 'USD',
      chargedAt: '2026-11-24T10:00:00.000Z',
    });
    const all = await call('admin', 'GET', '/api/v1/billing/charges');
    assert.equal(all.statusCode, 200);
    assert.deepEqual(chargeQueries, [{ accountId: 'acc-1' }, {}]);
  });

  test('an invoice comes as CSV on request', async () => {
    const res = await call('owner', 'GET', '/api/v1/billing/invoices/2026-11?format=csv');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.match(res.body, /^devEui,accountId,amountMinor,currency,chargedAt\n/);
  });

  test('unknown routes are 404 in the error shape', async () => {
    const res = await call('admin', 'GET', '/api/v1/nothing');
    assertError(res, 404, 'not_found');
  });

  test('a leap second in a charges range is a clear 400 and reaches no service', async () => {
    chargeQueries.length = 0;
    for (const q of ['to=2016-12-31T23:59:60Z', 'from=2016-12-31T23:59:60.5%2B00:00']) {
      const res = await call('admin', 'GET', `/api/v1/billing/charges?${q}`);
      assertError(res, 400, 'invalid_request', q);
    }
    assert.deepEqual(chargeQueries, []);
  });

  test('over-long ids and page tokens on list routes are 400 invalid_request and reach no service', async () => {
    for (const url of [
      `/api/v1/network-servers?accountId=${'a'.repeat(3000)}`,
      `/api/v1/application-servers?accountId=${'a'.repeat(3000)}`,
      `/api/v1/devices?accountId=${'a'.repeat(3000)}`,
      `/api/v1/devices?cursor=${'a'.repeat(3000)}`,
      `/api/v1/billing/charges?accountId=${'a'.repeat(3000)}`,
    ]) {
      calls.length = 0;
      const res = await call('admin', 'GET', url);
      assertError(res, 400, 'invalid_request', url.slice(0, 40));
      assert.deepEqual(calls, ['authenticate']);
    }
  });

  test("Fastify's own errors come in the error shape with a stable code, never echoing the request", async () => {
    const bigBody = JSON.stringify({ name: 'x'.repeat(100) });
    const admin = { authorization: 'Bearer admin' };
    const json = { ...admin, 'content-type': 'application/json' };
    const cases: [string, InjectOptions, number, string][] = [
      [
        'long path segment',
        { method: 'GET', url: `/api/v1/devices/${'A'.repeat(500)}`, headers: admin },
        414,
        'uri_too_long',
      ],
      ['bad percent-encoding', { method: 'GET', url: '/api/v1/devi%ces', headers: admin }, 400, 'bad_url'],
      [
        'bad percent-encoding in a param',
        { method: 'GET', url: '/api/v1/devices/%E0%A4%A', headers: admin },
        400,
        'bad_url',
      ],
      [
        'unsupported media type',
        {
          method: 'POST',
          url: '/api/v1/accounts',
          payload: '<a/>',
          headers: { ...admin, 'content-type': 'application/xml' },
        },
        415,
        'unsupported_media_type',
      ],
      [
        'malformed content type',
        {
          method: 'POST',
          url: '/api/v1/accounts',
          payload: '{}',
          headers: { ...admin, 'content-type': ';;' },
        },
        415,
        'unsupported_media_type',
      ],
      [
        'bad JSON',
        { method: 'POST', url: '/api/v1/accounts', payload: '{"name":', headers: json },
        400,
        'invalid_json',
      ],
      [
        'empty JSON body on a POST',
        { method: 'POST', url: '/api/v1/accounts', headers: json },
        415,
        'unsupported_media_type',
      ],
      ['no route', { method: 'GET', url: '/api/v1/none', headers: admin }, 404, 'not_found'],
      ['no method', { method: 'PATCH', url: '/api/v1/accounts', headers: admin }, 404, 'not_found'],
    ];
    for (const [name, request, status, code] of cases) {
      const res = await http.inject(request);
      assert.equal(res.statusCode, status, name);
      const body = res.json() as { error: { code: string; message: string } };
      assert.deepEqual(Object.keys(body), ['error'], name);
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message'], name);
      assert.equal(body.error.code, code, name);
      assert.ok(!body.error.message.includes('AAAA') && !body.error.message.includes('%'), name);
    }
    const small = await buildConsoleHttpApp({
      claims: stubClaims([]),
      logger: captureLogs().logger,
      bodyLimit: 64,
    });
    const tooLarge = await small.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: bigBody,
      headers: json,
    });
    assert.equal(tooLarge.statusCode, 413);
    assert.deepEqual(tooLarge.json(), {
      error: { code: 'body_too_large', message: 'the body is too large' },
    });
    await small.close();
  });

  test('a DELETE with Content-Type: application/json and no body is an ordinary DELETE', async () => {
    calls.length = 0;
    const res = await http.inject({
      method: 'DELETE',
      url: `/api/v1/claims/${devEui}`,
      headers: { authorization: 'Bearer owner', 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 204);
    assert.deepEqual(calls, ['authenticate', 'unclaim', 'recordAudit']);
  });

  test('the OpenAPI 3.1 document is public and names every call of the PRODUCT.md table', async () => {
    const res = await http.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const row of [
      'POST /api/v1/accounts',
      'POST /api/v1/device-batches',
      'POST /api/v1/transport-keks',
      'POST /api/v1/network-servers',
      'POST /api/v1/application-servers',
      'POST /api/v1/claims',
      'DELETE /api/v1/claims/{devEui}',
      'PUT /api/v1/devices/{devEui}/network-server',
      'GET /api/v1/devices/{devEui}',
      'GET /api/v1/billing/charges',
    ])
      assert.ok(operations.includes(row), `${row} missing from ${operations.join(', ')}`);
  });

  test('every operation of the OpenAPI document is a route, and answers validate against its schemas', async () => {
    const doc = (await http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      components: object;
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
      >;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ path, method })),
    );
    assert.ok(operations.length >= 14);
    for (const { path, method } of operations)
      assert.ok(
        http.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }),
        `${method} ${path} has no route`,
      );
    const ajv = new Ajv2020({ strict: false });
    const check = async (method: 'GET' | 'POST', url: string, docPath: string, payload?: object) => {
      const res = await call('owner', method, url, payload);
      const schema =
        doc.paths[docPath]?.[method.toLowerCase()]?.responses[String(res.statusCode)]?.content?.[
          'application/json'
        ]?.schema;
      assert.ok(schema, `${method} ${docPath} ${res.statusCode} is documented`);
      // The document's `$ref`s point into its components: validate with them at hand.
      assert.ok(
        ajv.validate({ ...schema, components: doc.components }, res.json()),
        `${method} ${docPath}: ${ajv.errorsText()}`,
      );
    };
    await check('GET', `/api/v1/devices/${devEui}`, '/api/v1/devices/{devEui}');
    await check('GET', '/api/v1/billing/charges', '/api/v1/billing/charges');
    await check('POST', '/api/v1/claims', '/api/v1/claims', {
      devEui,
      claimCode: 'wrong',
      networkServerId: 'ns-1',
    });
    await check('POST', '/api/v1/claims', '/api/v1/claims', { devEui: 'bad' });
    await check(
      'POST',
      `/api/v1/devices/${devEui}/devnonce-resets`,
      '/api/v1/devices/{devEui}/devnonce-resets',
      {
        reason: 'battery swapped',
      },
    );
    await check('GET', `/api/v1/devices/${devEui}/nonces`, '/api/v1/devices/{devEui}/nonces');
  });

  test('the web console is served at /', async () => {
    const res = await http.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>Joinery console<\/title>/);
  });
});

test('every error kind has an HTTP status, and internal errors hide their message', () => {
  for (const kind of errorKinds) assert.ok(httpStatusByKind[kind] >= 400, kind);
  const rest = restErrorOf(new Error('secret detail'));
  assert.equal(rest.status, 500);
  assert.deepEqual(rest.body, { error: { code: 'unexpected', message: 'internal error' } });
});
