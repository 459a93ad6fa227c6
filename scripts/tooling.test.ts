// The foundation's promises about tooling, checked: Nx sees every project with its tags, and the module-boundary
// rule rejects I/O imports in codec libraries and service-to-service imports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ESLint } from 'eslint';

const root = new URL('..', import.meta.url).pathname;
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
};

let graph: { graph: { nodes: Record<string, { data: { tags?: string[]; root: string } }> } };

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-graph-'));
  try {
    const file = join(dir, 'graph.json');
    const run = spawnSync('nx', ['graph', `--file=${file}`], { cwd: root, env, encoding: 'utf8' });
    assert.equal(run.status, 0, `nx graph failed: ${run.stderr}`);
    graph = JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nx graph lists every service and library with its tags', () => {
  // Nx adds `npm:*` tags of its own; ours are the `type:` and `scope:` ones.
  const tagsOf = (name: string) =>
    (graph.graph.nodes[name]?.data.tags ?? [])
      .filter((t) => t.startsWith('type:') || t.startsWith('scope:'))
      .sort();
  for (const svc of ['bi-gateway', 'claims', 'keys', 'billing', 'console'])
    assert.deepEqual(tagsOf(`@joinery/${svc}`), ['scope:' + svc, 'type:service'], svc);
  for (const lib of ['lorawan', 'backend-interfaces', 'errors'])
    assert.deepEqual(tagsOf(`@joinery/${lib}`), ['type:codec'], lib);
  for (const lib of ['grpc', 'logging', 'config', 'bus', 'store'])
    assert.deepEqual(tagsOf(`@joinery/${lib}`), ['type:util'], lib);
});

const boundaryRules = new Set(['@nx/enforce-module-boundaries', 'no-restricted-imports']);

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => boundaryRules.has(m.ruleId ?? '')).map((m) => m.message);
}

test('a codec library importing an I/O package is rejected by the boundary rule', async () => {
  const errors = await boundaryErrors(
    'libs/lorawan/src/boundary-fixture.ts',
    "import Redis from 'ioredis';\nexport const r = Redis;\n",
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? '', /not allowed to import "ioredis"/);
  const fs = await boundaryErrors(
    'libs/backend-interfaces/src/boundary-fixture.ts',
    "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
  );
  assert.equal(fs.length, 1);
});

test('a codec library may use node:crypto and other codec libraries', async () => {
  const errors = await boundaryErrors(
    'libs/lorawan/src/boundary-fixture.ts',
    "import { createCipheriv } from 'node:crypto';\nimport { JoineryError } from '@joinery/errors';\nexport const r = [createCipheriv, JoineryError];\n",
  );
  assert.deepEqual(errors, []);
});

test('a service importing another service is rejected', async () => {
  const errors = await boundaryErrors(
    'services/billing/src/boundary-fixture.ts',
    "import * as keys from '@joinery/keys';\nexport const k = keys;\n",
  );
  assert.equal(errors.length, 1);
});

test('the web console bundles only libraries tagged platform:browser', async () => {
  const fixture = 'libs/console-web/web/src/boundary-fixture.ts';
  const node = await boundaryErrors(
    fixture,
    "import { pemFile } from '@joinery/peer-bundle';\nexport const p = pemFile;\n",
  );
  assert.equal(node.length, 1);
  const browser = await boundaryErrors(
    fixture,
    "import { quoted } from '@joinery/product-config';\nexport const q = quoted;\n",
  );
  assert.deepEqual(browser, []);
});
