// docker-compose.yml loaded the way `docker compose config` loads it, without the Docker Compose plugin or an engine:
// deploy/compose-check is compose-go (the library behind `docker compose`) validating the file against the Compose
// Specification, interpolating, merging the `x-` anchors and checking references. Built once into the cache.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { goBuild } from './kubernetes-tools.js';

const root = new URL('../../../../', import.meta.url).pathname;
const composeFile = join(root, 'docker-compose.yml');
const scratch = mkdtempSync(join(tmpdir(), 'joinery-compose-'));
let check = '';

before(
  async () => {
    check = await goBuild(join(root, 'deploy/compose-check'), 'compose-check', (line) =>
      console.error(`  ${line}`),
    );
  },
  { timeout: 20 * 60_000 },
);
after(() => rmSync(scratch, { recursive: true, force: true }));

function load(file: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(check, [file], { cwd: root, maxBuffer: 16 << 20 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
    ),
  );
}

interface Project {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      healthcheck?: { test: string[] };
    }
  >;
  volumes: Record<string, unknown>;
}

test('docker-compose.yml is a valid Compose project: the five services, Kafka, its topics, Redis', async () => {
  const r = await load(composeFile);
  assert.equal(r.code, 0, r.err);
  const project = parse(r.out) as Project;
  assert.deepEqual(Object.keys(project.services).sort(), [
    'bi-gateway',
    'billing',
    'claims',
    'console',
    'kafka',
    'kafka-init',
    'keys',
    'redis',
  ]);
  // The x-joinery-env anchor reached every Joinery service, with the service's own address over it.
  for (const s of ['bi-gateway', 'billing', 'claims', 'console', 'keys'])
    assert.equal(project.services[s]!.environment?.['JOINERY_KAFKA_BROKERS'], 'kafka:9092', s);
  assert.equal(project.services['keys']!.environment?.['JOINERY_KEYS_GRPC_ADDRESS'], '0.0.0.0:7401');
  assert.equal(project.services['kafka-init']!.depends_on?.['kafka']?.condition, 'service_healthy');
  assert.ok(project.volumes['softhsm-tokens'] !== undefined);
});

test('a misspelt key, an undefined volume or a dependency on a missing service is refused', async () => {
  const original = readFileSync(composeFile, 'utf8');
  for (const [name, broken] of [
    ['misspelt', original.replace('    restart: unless-stopped', '    restrat: unless-stopped')],
    ['volume', original.replace('      - redis-data:/data', '      - redis-dta:/data')],
    [
      'dependency',
      original.replace('      kafka-init:\n        condition', '      kafka-setup:\n        condition'),
    ],
  ] as const) {
    assert.notEqual(broken, original, name);
    const file = join(scratch, `${name}.yml`);
    writeFileSync(file, broken);
    const r = await load(file);
    assert.notEqual(r.code, 0, `${name}: ${r.out.slice(0, 200)}`);
    assert.equal(r.out, '', name);
  }
});
