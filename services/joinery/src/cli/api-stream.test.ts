// `joinery api` on a Server-Sent Events operation writes the events as they arrive, before the stream ends, and a
// CSV body goes out as it is with its media type.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runCli } from './run-cli.js';

const doc = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/v1/activity/stream': {
      get: {
        operationId: 'streamActivity',
        responses: {
          200: { description: 'events', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        },
      },
    },
    '/api/v1/claims/bulk': {
      post: {
        operationId: 'bulkClaim',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'object', properties: { rows: { type: 'array' } } } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        responses: { 200: { description: 'ok' } },
      },
    },
  },
};

let server: Server;
let port: number;
let release: () => void = () => {};
const received: { type: string | undefined; body: string; auth: string | undefined }[] = [];

const bodyOf = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (c: Buffer) => (text += c.toString()));
    request.on('end', () => resolve(text));
  });

before(async () => {
  server = createServer(async (request, response) => {
    if (request.url === '/api/v1/openapi.json') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(doc));
      return;
    }
    if (request.url === '/api/v1/activity/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: join\ndata: {"n":1}\n\n');
      // The second event only once the first was seen by the CLI.
      await new Promise<void>((resolve) => (release = resolve));
      response.end('event: join\ndata: {"n":2}\n\n');
      return;
    }
    received.push({
      type: request.headers['content-type'],
      body: await bodyOf(request),
      auth: request.headers.authorization,
    });
    response.setHeader('content-type', 'application/json');
    response.end('{"claimed":1,"failed":0,"results":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

test('a stream is written as it arrives', async () => {
  let stdout = '';
  const done = runCli(['api', 'streamActivity'], {
    env: { JOINERY_API_PORT: String(port), JOINERY_TOKEN: 'key' },
    stdout: (t) => {
      stdout += t;
      if (stdout.includes('"n":1')) release();
    },
    stderr: () => {},
  });
  assert.equal(await done, 0);
  assert.equal(stdout, 'event: join\ndata: {"n":1}\n\nevent: join\ndata: {"n":2}\n\n');
});

test('--content-type text/csv --body - sends the text as it is', async () => {
  let stdout = '';
  const code = await runCli(['api', 'bulkClaim', '--content-type', 'text/csv', '--body', '-'], {
    env: { JOINERY_API_PORT: String(port), JOINERY_TOKEN: 'key' },
    stdout: (t) => (stdout += t),
    stderr: () => {},
    stdin: () => 'devEui,claimCode\n0004A30B001C0530,C\n',
  });
  assert.equal(code, 0);
  assert.deepEqual(received.at(-1), {
    type: 'text/csv',
    body: 'devEui,claimCode\n0004A30B001C0530,C\n',
    auth: 'Bearer key',
  });
  assert.equal(JSON.parse(stdout).claimed, 1);
  const wrong = await runCli(['api', 'bulkClaim', '--content-type', 'text/xml', '--body', '-'], {
    env: { JOINERY_API_PORT: String(port), JOINERY_TOKEN: 'key' },
    stdout: () => {},
    stderr: () => {},
    stdin: () => '<x/>',
  });
  assert.equal(wrong, 2);
});
