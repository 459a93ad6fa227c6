// The gateway's listeners as configured by environment: idle NS connections stay open for the idle timeout, and no
// longer, on every listener and protocol (HTTP/1.1 over TLS, HTTP/2 over TLS by ALPN, HTTP/1.1 on the plain
// listener; shortened to 3 s here, its 125 s default is checked in the gateway's config test), and alias paths
// answer like `/`.
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { startJoinStack, type JoinStack } from './join-stack.js';

const idleMs = 3000;
const body = JSON.stringify(requests.chirpStackV4JoinReq);
const request = `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

let stack: JoinStack;
before(async () => {
  stack = await startJoinStack({
    JOINERY_BI_IDLE_TIMEOUT: `${idleMs}ms`,
    JOINERY_BI_ALIAS_PATHS: '/api/join,/js',
  });
});
after(() => stack.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two requests on one socket with a pause between them; then how long the socket stayed open once idle. */
async function keepAlive(
  socket: Socket,
  pauseMs: number,
): Promise<{ answers: number; idleBeforeCloseMs: number }> {
  let received = '';
  let lastDataAt = 0;
  let closedAt = 0;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => ((received += chunk.toString()), (lastDataAt = Date.now())));
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => ((closedAt = Date.now()), resolve())),
  );
  const answers = () => received.split('HTTP/1.1 200').length - 1;
  const waitFor = async (n: number) => {
    for (const started = Date.now(); answers() < n; await sleep(10))
      if (Date.now() - started > 5000 || closedAt !== 0) throw new Error(`answer ${n} never came`);
  };
  try {
    socket.write(request);
    await waitFor(1);
    await sleep(pauseMs);
    socket.write(request);
    await waitFor(2);
    await Promise.race([closed, sleep(idleMs * 4)]);
    return {
      answers: answers(),
      idleBeforeCloseMs: closedAt === 0 ? Number.POSITIVE_INFINITY : closedAt - lastDataAt,
    };
  } finally {
    socket.destroy();
  }
}

// Node checks idle sockets on timers, and the plain listener closes about a second late: generous on the upper side.
const closesAfterIdle = (idle: number) => idle >= idleMs * 0.75 && idle <= idleMs * 2 + 1000;

test('HTTP/1.1 over TLS: the connection is reused after a pause and closed once idle for the timeout', async () => {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port: stack.biPort,
    ca: stack.caCertPem,
    servername: 'localhost',
    ALPNProtocols: ['http/1.1'],
  });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  assert.equal(socket.alpnProtocol, 'http/1.1');
  const { answers, idleBeforeCloseMs } = await keepAlive(socket, idleMs * 0.25);
  assert.equal(answers, 2);
  assert.ok(closesAfterIdle(idleBeforeCloseMs), `closed after ${idleBeforeCloseMs} ms idle`);
});

test('HTTP/1.1 on the plain listener: the same', async () => {
  const socket = netConnect({ host: '127.0.0.1', port: stack.biHttpPort });
  await new Promise((resolve) => socket.once('connect', resolve));
  const { answers, idleBeforeCloseMs } = await keepAlive(socket, idleMs * 0.25);
  assert.equal(answers, 2);
  assert.ok(closesAfterIdle(idleBeforeCloseMs), `closed after ${idleBeforeCloseMs} ms idle`);
});

test('HTTP/2 over TLS (ALPN h2): the session is reused after a pause and closed once idle for the timeout', async () => {
  const session = http2Connect(`https://127.0.0.1:${stack.biPort}`, {
    ca: stack.caCertPem,
    servername: 'localhost',
  });
  let closedAt = 0;
  const closed = new Promise<void>((resolve) =>
    session.on('close', () => ((closedAt = Date.now()), resolve())),
  );
  session.on('error', () => undefined);
  let lastAnswerAt = 0;
  const post = () =>
    new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/json' });
      stream.on('response', (headers) => ((lastAnswerAt = Date.now()), resolve(Number(headers[':status']))));
      stream.on('error', reject);
      stream.resume();
      stream.end(body);
    });
  try {
    assert.equal(await post(), 200);
    assert.equal(session.alpnProtocol, 'h2');
    await sleep(idleMs * 0.25);
    assert.equal(await post(), 200);
    await Promise.race([closed, sleep(idleMs * 4)]);
  } finally {
    session.destroy();
  }
  const idle = closedAt === 0 ? Number.POSITIVE_INFINITY : closedAt - lastAnswerAt;
  assert.ok(closesAfterIdle(idle), `closed after ${idle} ms idle`);
});

test('JOINERY_BI_ALIAS_PATHS: each alias answers like `/`; other paths are 404', async () => {
  const answer = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${stack.biHttpPort}${path}`, { method: 'POST', body });
    return {
      status: res.status,
      json: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined,
    };
  };
  const root = await answer('/');
  assert.equal(root.status, 200);
  for (const alias of ['/api/join', '/js']) {
    const res = await answer(alias);
    assert.equal(res.status, 200, alias);
    assert.equal(res.json?.['MessageType'], 'JoinAns');
    assert.deepEqual(res.json?.['Result'], root.json?.['Result']);
  }
  assert.equal((await answer('/elsewhere')).status, 404);
});
