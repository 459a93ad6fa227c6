import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { kafkaImage } from './kafka-config.js';

// `docker compose config` needs the compose plugin; this checks the same structure without it.
const root = new URL('../../../../', import.meta.url).pathname;
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const joineryServices = ['bi-gateway', 'claims', 'keys', 'billing', 'console'];
const service = (name: string): Service => {
  const s = compose.services[name];
  assert.ok(s, `service ${name}`);
  return s;
};

test('compose has the five services, Kafka, its topic set-up and Redis', () => {
  assert.deepEqual(
    Object.keys(compose.services).sort(),
    [...joineryServices, 'kafka', 'kafka-init', 'redis'].sort(),
  );
});

test('every Joinery service is built from the repository with the shared Dockerfile and its own SERVICE', () => {
  const dockerfile = readFileSync(`${root}deploy/docker/Dockerfile`, 'utf8');
  assert.match(dockerfile, /npm run build/);
  assert.match(dockerfile, /node --enable-source-maps services\/\$\{JOINERY_SERVICE\}\/dist\/main\.js/);
  for (const name of joineryServices) {
    const s = service(name);
    assert.equal(s.build?.context, '.');
    assert.equal(s.build?.dockerfile, 'deploy/docker/Dockerfile');
    assert.equal(s.build?.args?.SERVICE, name);
    assert.equal(s.image, `joinery-${name}:dev`);
    assert.ok(statSync(`${root}services/${name}`).isDirectory(), `services/${name} exists`);
  }
});

test('Kafka runs KRaft from the pinned image and Redis keeps an append-only file', () => {
  const kafka = service('kafka');
  assert.equal(kafka.image, kafkaImage);
  assert.equal(service('kafka-init').image, kafkaImage);
  assert.equal(kafka.environment?.KAFKA_PROCESS_ROLES, 'broker,controller');
  const clusterId = String(kafka.environment?.CLUSTER_ID);
  assert.equal(Buffer.from(clusterId, 'base64url').toString('base64url'), clusterId);
  assert.equal(Buffer.from(clusterId, 'base64url').length, 16);
  const redis = service('redis');
  assert.match(redis.image ?? '', /^redis:7/);
  assert.deepEqual(redis.command?.slice(0, 3), ['redis-server', '--appendonly', 'yes']);
  assert.ok(redis.volumes?.some((v) => v.endsWith(':/data')));
});

test('every depends_on names an existing service with a valid condition, and every long-running service has a healthcheck', () => {
  for (const [name, s] of Object.entries(compose.services)) {
    for (const [target, { condition }] of Object.entries(s.depends_on ?? {})) {
      assert.ok(compose.services[target], `${name} depends on missing service ${target}`);
      assert.ok(
        ['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition),
        `${name} → ${target}: ${condition}`,
      );
      if (condition === 'service_healthy')
        assert.ok(compose.services[target]?.healthcheck, `${target} has a healthcheck`);
    }
    if (name !== 'kafka-init') assert.ok(s.healthcheck?.test.length, `${name} has a healthcheck`);
  }
});

test('services get Redis, Kafka and gRPC addresses through JOINERY_* variables', () => {
  for (const name of joineryServices) {
    const env = service(name).environment ?? {};
    assert.equal(env.JOINERY_REDIS_URL, 'redis://redis:6379', name);
    assert.equal(env.JOINERY_KAFKA_BROKERS, 'kafka:9092', name);
    assert.ok(env.JOINERY_KEYS_GRPC_ADDRESS, name);
    assert.ok(env.JOINERY_CLAIMS_GRPC_ADDRESS, name);
  }
  assert.equal(service('bi-gateway').environment?.JOINERY_KEYS_GRPC_ADDRESS, 'keys:7401');
  assert.equal(service('bi-gateway').environment?.JOINERY_CLAIMS_GRPC_ADDRESS, 'claims:7402');
  assert.equal(service('keys').environment?.JOINERY_KEYS_GRPC_ADDRESS, '0.0.0.0:7401');
});

test('named volumes are declared and the files the images use exist', () => {
  for (const s of Object.values(compose.services)) {
    for (const volume of s.volumes ?? []) {
      const source = volume.split(':')[0] ?? '';
      if (!source.startsWith('.') && !source.startsWith('/'))
        assert.ok(compose.volumes && source in compose.volumes, source);
    }
  }
  for (const file of [
    'deploy/docker/healthcheck.mjs',
    'deploy/softhsm/init-token.sh',
    'deploy/softhsm/softhsm2.conf',
  ]) {
    assert.ok(existsSync(`${root}${file}`), file);
  }
  assert.ok(statSync(`${root}deploy/softhsm/init-token.sh`).mode & 0o100, 'init-token.sh is executable');
});

test("claims keeps its data directory (the CA key's seal key, the admin token) on a named volume", () => {
  const dockerfile = readFileSync(`${root}deploy/docker/Dockerfile`, 'utf8');
  assert.match(dockerfile, /JOINERY_DATA_DIR=\/var\/lib\/joinery\/data/);
  const volume = service('claims').volumes?.find((v) => v.endsWith(':/var/lib/joinery/data'));
  assert.ok(volume, 'claims mounts /var/lib/joinery/data');
  assert.ok(compose.volumes && (volume.split(':')[0] ?? '') in compose.volumes);
});
