// Every route that is registered is documented: an operationId, one resource tag, a summary and a description, an
// answer with a schema and a description for every status, and it is in the OpenAPI document. A route added
// without them fails here, whoever adds it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { captureLogs } from '@joinery/logging';
import type { FastifyInstance } from 'fastify';
import type { BillingQueries, ClaimsClient } from '../../domain/ports.js';
import { buildConsoleHttpApp, openApiPath } from './console-http-app.js';
import { apiTags } from './openapi.js';

/** Routes that are not operations of the API (the document itself, health, the web console). */
const undocumented = new Set([
  'GET /api/v1/openapi.json',
  'GET /api/v1/health',
  'GET /',
  'GET /assets/:name',
]);

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  responses?: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: object }> }
  >;
}
interface Doc {
  openapi: string;
  servers?: { url: string }[];
  tags?: { name: string }[];
  components: { schemas: Record<string, object> };
  paths: Record<string, Record<string, Operation>>;
}

let app: FastifyInstance;
let doc: Doc;

before(async () => {
  app = await buildConsoleHttpApp({
    claims: {} as ClaimsClient,
    billing: {} as BillingQueries,
    logger: captureLogs().logger,
  });
  doc = (
    await app.inject({ method: 'GET', url: openApiPath, headers: { host: 'js.example.net:7080' } })
  ).json();
});
after(() => app.close());

const routes = () =>
  app.registeredRoutes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method])
      .filter((m) => m !== 'HEAD')
      .map((method) => ({
        method,
        url: route.url,
        schema: route.schema as Record<string, unknown> | undefined,
      })),
  );
const docPathOf = (url: string) => url.replace(/:(\w+)/g, '{$1}');

test('every registered route has an operationId, one known tag, a summary, a description and answers', () => {
  const known = new Set<string>(apiTags.map((t) => t.name));
  const ids = new Map<string, string>();
  const checked = routes().filter((r) => !undocumented.has(`${r.method} ${r.url}`));
  assert.ok(checked.length >= 20, `only ${checked.length} routes`);
  for (const { method, url, schema } of checked) {
    const where = `${method} ${url}`;
    assert.ok(schema !== undefined, `${where} has no schema`);
    assert.notEqual(schema.hide, true, `${where} is hidden from the OpenAPI document`);
    const operationId = schema.operationId;
    assert.ok(
      typeof operationId === 'string' && /^[a-z]+([A-Z][a-z0-9]*)*$/.test(operationId),
      `${where}: operationId ${String(operationId)} is not camelCase`,
    );
    assert.equal(ids.get(operationId), undefined, `${where}: operationId ${operationId} is used twice`);
    ids.set(operationId, where);
    const tags = schema.tags as string[] | undefined;
    assert.ok(
      tags?.length === 1 && known.has(tags[0]!),
      `${where}: tags ${String(tags)} is not one known tag`,
    );
    for (const field of ['summary', 'description'])
      assert.ok(
        typeof schema[field] === 'string' && (schema[field] as string).length > 0,
        `${where} has no ${field}`,
      );
    const response = schema.response as Record<string, { description?: string }> | undefined;
    assert.ok(response !== undefined, `${where} has no response schemas`);
    assert.ok(
      Object.keys(response).some((status) => /^2/.test(status)),
      `${where} documents no successful answer`,
    );
    for (const [status, answer] of Object.entries(response))
      assert.ok(
        typeof answer.description === 'string' && answer.description.length > 0,
        `${where} ${status} has no description`,
      );
  }
});

test('every registered route is an operation of the document, and every operation a route', () => {
  const fromRoutes = new Set(
    routes()
      .filter((r) => !undocumented.has(`${r.method} ${r.url}`))
      .map((r) => `${r.method} ${docPathOf(r.url)}`),
  );
  const fromDoc = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );
  assert.deepEqual([...fromRoutes].sort(), [...fromDoc].sort());
});

test('the document: 3.1, servers, tags, shared components, a described schema for every answer, Retry-After on 429', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(doc.servers?.[0]?.url, 'http://js.example.net:7080');
  assert.deepEqual(
    doc.tags?.map((t) => t.name),
    apiTags.map((t) => t.name),
  );
  for (const name of ['Error', 'Device', 'Peer', 'Charge', 'Invoice', 'NonceState'])
    assert.ok(doc.components.schemas[name] !== undefined, `components/schemas/${name} missing`);
  const text = JSON.stringify(doc);
  assert.ok(!text.includes('Default Response'), 'an answer without a description');
  assert.ok(!/#\/components\/schemas\/def-/.test(text), 'a shared schema without a name');
  let refsToError = 0;
  let tooMany = 0;
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.security !== undefined, `${where} has no security`);
      for (const [status, answer] of Object.entries(op.responses ?? {})) {
        if (status !== '204')
          assert.ok(
            answer.content !== undefined &&
              Object.values(answer.content).every((c) => c.schema !== undefined),
            `${where} ${status} has no schema`,
          );
        if (/^[45]/.test(status)) {
          const schema = answer.content?.['application/json']?.schema as { $ref?: string } | undefined;
          assert.equal(
            schema?.$ref,
            '#/components/schemas/Error',
            `${where} ${status} is not the Error schema`,
          );
          refsToError += 1;
        }
        if (status === '429') {
          tooMany += 1;
          assert.ok(answer.headers?.['retry-after'] !== undefined, `${where} 429 has no Retry-After`);
        }
      }
    }
  assert.ok(refsToError > 50);
  assert.ok(tooMany >= 1);
});
