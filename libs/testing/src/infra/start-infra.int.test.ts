import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { infraVars, requireInfra } from './require-infra.js';
import { startInfra } from './start-infra.js';

async function ping(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.ping();
  } finally {
    client.disconnect();
  }
}

/** 'connected', or why a TCP connection to the URL's host:port failed (`ECONNREFUSED`). */
function tcpConnect(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

test('startInfra starts its own Redis and SoftHSM2 token when none is given, and stop() removes them', async () => {
  const lines: string[] = [];
  const infra = await startInfra({ env: {}, kafka: false, log: (line) => lines.push(line) });
  const { REDIS_URL: shared } = requireInfra('REDIS_URL');
  // Every variable of the orchestrator (pinned in require-infra.test.ts) but Kafka's, which was not asked for.
  assert.deepEqual(
    Object.keys(infra.env).sort(),
    infraVars.filter((name) => name !== 'KAFKA_BROKERS').sort(),
  );
  const url = infra.env.REDIS_URL ?? '';
  const conf = infra.env.SOFTHSM2_CONF ?? '';
  assert.notEqual(url, shared);
  assert.match(infra.env.PKCS11_SLOT ?? '', /^\d+$/);
  assert.equal(await ping(url), 'PONG');
  assert.equal(existsSync(conf), true);
  assert.ok(lines.some((l) => l.startsWith('redis: ')));

  await infra.stop();
  await infra.stop();
  assert.equal(await tcpConnect(url), 'ECONNREFUSED');
  assert.equal(existsSync(conf), false);
});

test('startInfra reuses given variables and leaves what it did not start running', async () => {
  const given = requireInfra('REDIS_URL', 'PKCS11_MODULE', 'PKCS11_SLOT', 'PKCS11_PIN');
  const infra = await startInfra({ env: given, kafka: false });
  assert.equal(infra.env.REDIS_URL, given.REDIS_URL);
  assert.equal(infra.env.PKCS11_SLOT, given.PKCS11_SLOT);
  await infra.stop();
  assert.equal(await ping(given.REDIS_URL), 'PONG');
});
