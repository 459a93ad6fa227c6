import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { captureLogs } from '@joinery/logging';
import { recordingHandler } from '../../testing/recording-handler.js';
import { buildBiHttpApp, maxBodyBytes } from './bi-http-app.js';

function app(aliasPaths: string[] = []) {
  const { handler, seen } = recordingHandler();
  return { app: buildBiHttpApp({ handler, logger: captureLogs().logger, aliasPaths }), seen };
}

test('JSON is read with or without Content-Type, with a charset, and the bearer token is passed on', async () => {
  const { app: edge, seen } = app();
  const payload = JSON.stringify(requests.chirpStackV4JoinReq);
  for (const headers of [
    { 'content-type': 'application/json' },
    { 'content-type': 'application/json; charset=utf-8' },
    { 'content-type': 'text/plain' },
    {},
  ]) {
    const res = await edge.inject({
      method: 'POST',
      url: '/',
      payload,
      headers: { ...headers, authorization: 'Bearer tok' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().MessageType, 'JoinAns');
  }
  assert.equal(seen.length, 4);
  assert.deepEqual(seen[0]?.credential, { bearerToken: 'tok' });
  assert.deepEqual(seen[3]?.body, requests.chirpStackV4JoinReq);
});

test('a malformed Content-Type does not stop a BI message: it is answered like any other', async () => {
  const { app: edge, seen } = app();
  const payload = JSON.stringify(requests.chirpStackV4JoinReq);
  const malformed = [
    'application/json; charset',
    ';;',
    'garbage',
    '',
    '/',
    'application/json; ; =',
    '\u00e9/x',
  ];
  for (const contentType of malformed) {
    const res = await edge.inject({
      method: 'POST',
      url: '/',
      payload,
      headers: { 'content-type': contentType },
    });
    assert.equal(res.statusCode, 200, contentType);
    assert.equal(res.json().MessageType, 'JoinAns');
  }
  assert.equal(seen.length, malformed.length);
  assert.deepEqual(seen[0]?.body, requests.chirpStackV4JoinReq);
});

test('non-JSON is 400 with a JSON error; bodies over 32 KiB are 413; nothing reaches the handler', async () => {
  const { app: edge, seen } = app();
  const bad = await edge.inject({
    method: 'POST',
    url: '/',
    payload: '{"MessageType":',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'bi:not_json');
  const big = await edge.inject({
    method: 'POST',
    url: '/',
    payload: JSON.stringify({ pad: 'x'.repeat(maxBodyBytes) }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.code, 'bi:body_too_large');
  assert.equal(seen.length, 0);
});

test('alias paths serve the same handler; other paths and methods do not', async () => {
  const { app: edge, seen } = app(['/join']);
  const payload = JSON.stringify(requests.chirpStackV4JoinReq);
  assert.equal((await edge.inject({ method: 'POST', url: '/join', payload })).statusCode, 200);
  assert.equal((await edge.inject({ method: 'POST', url: '/other', payload })).statusCode, 404);
  assert.equal((await edge.inject({ method: 'GET', url: '/' })).statusCode, 404);
  assert.equal(seen.length, 1);
});

test('a request must arrive whole within 15 s; an idle connection stays 125 s', async () => {
  const { app: edge } = app();
  await edge.ready();
  const server = edge.server as unknown as {
    requestTimeout: number;
    headersTimeout: number;
    keepAliveTimeout: number;
  };
  assert.deepEqual(
    [server.requestTimeout, server.headersTimeout, server.keepAliveTimeout],
    [15_000, 15_000, 125_000],
  );
  await edge.close();
});
