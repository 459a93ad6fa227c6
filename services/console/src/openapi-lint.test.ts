// The OpenAPI document as the console serves it passes `redocly lint` with the committed ruleset
// (services/console/redocly.yaml); a document that breaks a rule of it does not.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captureLogs } from '@joinery/logging';
import { buildConsoleHttpApp, openApiPath } from './adapters/http/console-http-app.js';
import type { BillingQueries, ClaimsClient } from './domain/ports.js';

const ruleset = join(dirname(fileURLToPath(import.meta.url)), '../redocly.yaml');
const redocly = join(
  dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
  'bin/cli.js',
);
const dir = mkdtempSync(join(tmpdir(), 'joinery-openapi-lint-'));
let doc: Record<string, unknown>;

function lint(document: object): Promise<{ code: number; output: string }> {
  const file = join(dir, `openapi-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [redocly, 'lint', '--config', ruleset, '--format', 'codeframe', file],
      {
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1',
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), output: stdout + stderr }),
    );
  });
}

before(async () => {
  const app = await buildConsoleHttpApp({
    claims: {} as ClaimsClient,
    billing: {} as BillingQueries,
    logger: captureLogs().logger,
  });
  doc = (await app.inject({ method: 'GET', url: openApiPath, headers: { host: '127.0.0.1:7080' } })).json();
  await app.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('redocly lint (services/console/redocly.yaml) passes on the served OpenAPI document', async () => {
  const { code, output } = await lint(doc);
  assert.equal(code, 0, output);
  assert.match(output, /Your API description is valid|validated in/);
});

test('the ruleset refuses an operation without an operationId and a 429 without Retry-After', async () => {
  const broken = structuredClone(doc) as {
    paths: Record<string, Record<string, { operationId?: string; responses: Record<string, object> }>>;
  };
  delete broken.paths['/api/v1/whoami']!.get!.operationId;
  const claim = broken.paths['/api/v1/claims']!.post!.responses['429'] as { headers?: unknown };
  delete claim.headers;
  const { code, output } = await lint(broken);
  assert.notEqual(code, 0);
  assert.match(output, /operation-operationId/);
  assert.match(output, /response-contains-header/);
});
