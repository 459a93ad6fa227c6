import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { canBind, freePort, portRange } from './free-port.js';

test('freePort hands out distinct bindable loopback ports below the ephemeral range', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) {
    assert.ok(port >= portRange.min && port <= portRange.max && port < 32768, `port ${port}`);
  }
  assert.equal(await canBind(ports[0] ?? 0), true);
});

test('canBind reports a port that is already listening as taken', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  try {
    assert.equal(await canBind(address.port), false);
  } finally {
    server.close();
  }
});
