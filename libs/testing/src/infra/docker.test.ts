import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dockerAvailable, dockerEndpoint, dockerHostAddress } from './docker.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-docker-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const listen = (server: Server | ReturnType<typeof createNetServer>, path: string) =>
  new Promise<void>((resolve) => server.listen(path, resolve));

test('DOCKER_HOST picks the engine endpoint', () => {
  assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), {
    socketPath: '/run/user/1000/docker.sock',
  });
  assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2376' }), { host: '10.0.0.5', port: 2376 });
  assert.deepEqual(dockerEndpoint({ DOCKER_HOST: 'tcp://docker' }), { host: 'docker', port: 2375 });
  assert.equal(dockerEndpoint({ DOCKER_HOST: 'ssh://me@box' }), undefined);
  assert.equal(dockerHostAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2376' }), '10.0.0.5');
  assert.equal(dockerHostAddress({ DOCKER_HOST: 'unix:///x.sock' }), '127.0.0.1');
});

test('an engine answering /_ping counts as available', async () => {
  const socket = join(dir, 'ok.sock');
  const server = createServer((req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK'));
  await listen(server, socket);
  try {
    assert.equal(await dockerAvailable(1_000, { DOCKER_HOST: `unix://${socket}` }), true);
    assert.equal(
      await dockerAvailable(1_000, { DOCKER_HOST: `unix://${socket}`, JOINERY_TEST_DOCKER: '0' }),
      false,
    );
  } finally {
    server.close();
  }
});

test('a socket that never answers, or no socket at all, counts as absent within the bound', async () => {
  const socket = join(dir, 'silent.sock');
  const server = createNetServer(() => undefined);
  await listen(server, socket);
  try {
    assert.equal(await dockerAvailable(300, { DOCKER_HOST: `unix://${socket}` }), false);
  } finally {
    server.close();
  }
  assert.equal(await dockerAvailable(300, { DOCKER_HOST: `unix://${join(dir, 'absent.sock')}` }), false);
});
