import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { captureLogs } from '@joinery/logging';
import { createHttpAsyncSender } from './async-sender.js';

async function callbackServer(statuses: number[]) {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/any/path`;
  return { url, bodies, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('delivers the answer, retrying after a refused attempt', async () => {
  const server = await callbackServer([503, 200]);
  try {
    const sender = createHttpAsyncSender({ logger: captureLogs().logger, budgetMs: 3000 });
    await sender.send(
      server.url,
      { MessageType: 'JoinAns', TransactionID: 7 },
      { devEui: 'X', transactionId: 7, senderId: '70B3D57ED0000001' },
    );
    assert.equal(server.bodies.length, 2);
    assert.deepEqual(server.bodies[1], { MessageType: 'JoinAns', TransactionID: 7 });
  } finally {
    await server.close();
  }
});

test('gives up within its budget when the peer never accepts', async () => {
  const server = await callbackServer([500, 500, 500, 500, 500, 500, 500, 500]);
  try {
    const sender = createHttpAsyncSender({ logger: captureLogs().logger, budgetMs: 500 });
    await assert.rejects(sender.send(server.url, {}, { devEui: 'X', transactionId: 1, senderId: '70B3D57ED0000001' }), /not delivered/);
    assert.ok(server.bodies.length >= 2);
  } finally {
    await server.close();
  }
});
