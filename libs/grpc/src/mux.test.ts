import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { CallRequestSchema, CallResponseSchema, type CallResponse } from '@joinery/proto/rpc/v1/mux_pb';
import { EchoRequestSchema, EchoResponseSchema, EchoService } from '@joinery/proto/testing/v1/echo_pb';
import { createGrpcClient } from './grpc-client.js';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import { muxPath } from './mux-server.js';
import { assertClosesWithoutWaitingOutGrace, rejection } from './test-helpers.js';
import type { ServiceImpl } from './types.js';

const echoPath = '/joinery.testing.v1.EchoService/Echo';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Texts the echo handler has started on, so that a test can tell whether a call ran. */
const started: string[] = [];

/**
 * The calls the echo handler holds (`hold:<name>`), so that a test orders completions by events instead of by sleeps:
 * `running` resolves once the handler has started on the call, `release()` lets it answer; an aborted call fails with
 * its abort reason. A hold lets go by itself after 10 s, a safety net so that a broken test fails instead of hanging.
 */
class Held {
  readonly #calls = new Map<
    string,
    { started: () => void; running: Promise<void>; release: () => void; released: Promise<void> }
  >();

  #call(name: string) {
    let call = this.#calls.get(name);
    if (call === undefined) {
      let started = () => undefined as void;
      let release = () => undefined as void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const released = new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 10_000).unref();
      });
      call = { started, running, release, released };
      this.#calls.set(name, call);
    }
    return call;
  }

  /** Resolves once the handler has started on every call named. */
  running(...names: string[]): Promise<unknown> {
    return Promise.all(names.map((name) => this.#call(name).running));
  }

  release(...names: string[]): void {
    for (const name of names) this.#call(name).release();
  }

  /** The handler's side: waits until the test releases `name` or the call is aborted. */
  async hold(name: string, signal: AbortSignal): Promise<void> {
    const call = this.#call(name);
    call.started();
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      void call.released.then(resolve);
    });
  }
}
const held = new Held();

/**
 * Echoes; `hold:<name>` answers when the test releases it (`held`), `wait:N` after N ms; `big:N` answers with N
 * bytes of payload; the payload of the request comes back in the answer.
 */
const delayedEcho: ServiceImpl<typeof EchoService> = {
  async echo(request, context) {
    started.push(request.text);
    const [command, arg] = request.text.split(':');
    if (command === 'hold') await held.hold(String(arg), context.signal);
    if (command === 'wait') await sleep(Number(arg));
    const payload = command === 'big' ? new Uint8Array(Number(arg)) : request.payload;
    return { text: request.text, count: request.count, payload };
  },
};

/** A server of the delayed echo, its debug logs captured. */
function echoServer(impl: ServiceImpl<typeof EchoService>) {
  const logs = captureLogs({ level: 'debug' });
  const server = createGrpcServer({ logger: logs.logger });
  server.add(EchoService, impl);
  return { server, logs };
}

describe('multiplexed calls', () => {
  let server: GrpcServer;
  let port: number;
  let logs: ReturnType<typeof captureLogs>;
  before(async () => {
    ({ server, logs } = echoServer(delayedEcho));
    port = await server.listen('127.0.0.1:0');
  });
  after(() => server.close(1000));

  test('concurrent calls on one stream each get their own answer, in completion order', async () => {
    const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
    try {
      const finished: number[] = [];
      const names = ['c0', 'c1', 'c2', 'c3', 'c4'];
      const calls = names.map((name, count) =>
        client.echo({ text: `hold:${name}`, count }).then((answer) => {
          finished.push(answer.count);
          return answer;
        }),
      );
      // All five run at once on the server; they complete in another order than they were sent.
      await held.running(...names);
      held.release('c1', 'c3', 'c2', 'c4', 'c0');
      const answers = await Promise.all(calls);
      assert.deepEqual(
        answers.map((a) => [a.text, a.count]),
        names.map((name, count) => [`hold:${name}`, count]),
      );
      assert.deepEqual(finished, [1, 3, 2, 4, 0]);
    } finally {
      client.close();
    }
  });

  test('a thousand calls in flight share one stream and all answer', async () => {
    logs.clear();
    // The default 5 s deadline is not what is tested: a loaded machine may take longer to serve a thousand calls.
    const client = createGrpcClient(EchoService, `127.0.0.1:${port}`, { defaultTimeoutMs: 120_000 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 1000 }, (_, count) => client.echo({ text: 'wait:1', count })),
      );
      assert.deepEqual(
        answers.map((a) => a.count),
        Array.from({ length: 1000 }, (_, i) => i),
      );
      const lines = logs.grep('"msg":"gRPC call"');
      assert.equal(lines.length, 1000);
      assert.ok(lines.every((line) => line.multiplexed === true && line.grpc_status === 'OK'));
    } finally {
      client.close();
    }
  });

  test('a cancelled call leaves the other calls on the stream alone', async () => {
    const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
    try {
      const controller = new AbortController();
      const doomed = client.echo({ text: 'wait:200' }, { signal: controller.signal });
      const survivor = client.echo({ text: 'wait:50', count: 7 });
      controller.abort();
      assert.equal((await rejection(doomed)).code, 'grpc:cancelled');
      assert.equal((await survivor).count, 7);
      assert.equal((await client.echo({ text: 'after', count: 8 })).count, 8);
    } finally {
      client.close();
    }
  });
});

test('a request of 1 MiB or more goes as a unary call; an answer over the limit fails only its own call', async () => {
  const { server, logs } = echoServer(delayedEcho);
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
  try {
    logs.clear();
    const bigRequest = client.echo({ text: 'large request', payload: new Uint8Array(1536 * 1024).fill(1) });
    const small = client.echo({ text: 'hold:small', count: 1 });
    assert.equal((await bigRequest).payload.length, 1536 * 1024);
    held.release('small');
    assert.equal((await small).count, 1);
    const lines = logs.grep('"msg":"gRPC call"');
    assert.deepEqual(
      lines.map((line) => [line.multiplexed === true, line.grpc_status]),
      [
        [false, 'OK'],
        [true, 'OK'],
      ],
    );

    // 5 MiB: over the 4 MiB a client receives in one message, multiplexed or not.
    const bigAnswer = client.echo({ text: `big:${5 * 1024 * 1024}` });
    const neighbour = client.echo({ text: 'wait:50', count: 2 });
    const err = await rejection(bigAnswer);
    assert.equal(err.code, 'grpc:resource_exhausted');
    assert.equal((await neighbour).count, 2, 'the other call on the stream is not affected');
  } finally {
    client.close();
    await server.close(1000);
  }
});

test('closing the client cancels its stream: calls in flight and later calls fail', async () => {
  const { server } = echoServer(delayedEcho);
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
  try {
    assert.equal((await client.echo({ text: 'open' })).text, 'open');
    const inFlight = client.echo({ text: 'hold:closing client' });
    await held.running('closing client');
    client.close();
    assert.equal((await rejection(inFlight)).code, 'grpc:cancelled');
    const later = await rejection(client.echo({ text: 'after close' }));
    assert.equal(later.kind, 'unavailable');
    // Nothing holds the server: its close does not wait out the grace period for a stream the client forgot.
    await assertClosesWithoutWaitingOutGrace(server);
  } finally {
    client.close();
  }
});

test('a call made while the server drains is sent again on a new connection', async () => {
  const first = echoServer(delayedEcho);
  const port = await first.server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`, { defaultTimeoutMs: 5000 });
  let second: GrpcServer | undefined;
  try {
    const running = client.echo({ text: 'hold:drained', count: 1 });
    await held.running('drained');
    const closing = first.server.close(5000);
    // The old server has stopped listening; a new one takes its port while the old one finishes its call.
    second = echoServer(delayedEcho).server;
    await second.listen(`127.0.0.1:${port}`);
    started.length = 0;
    const during = await client.echo({ text: 'during the drain', count: 2 });
    assert.equal(during.count, 2);
    assert.deepEqual(started, ['during the drain'], 'run once, by the new server');
    held.release('drained');
    assert.equal((await running).count, 1, 'the running call finished on the old server');
    await closing;
  } finally {
    client.close();
    await second?.close(1000);
  }
});

test('calls fall back to one stream per call when the server does not serve the mux', async () => {
  // A plain grpc-js server with only the unary method: what a foreign implementation of a service looks like.
  const plain = new grpc.Server();
  const unaryPaths: string[] = [];
  plain.addService(
    {
      Echo: {
        path: echoPath,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        unaryPaths.push(call.getPath());
        const request = fromBinary(EchoRequestSchema, call.request);
        const answer = toBinary(EchoResponseSchema, create(EchoResponseSchema, { text: request.text }));
        callback(null, Buffer.from(answer));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    plain.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
  try {
    const first = await Promise.all(['a', 'b', 'c'].map((text) => client.echo({ text })));
    assert.deepEqual(
      first.map((a) => a.text),
      ['a', 'b', 'c'],
    );
    assert.equal((await client.echo({ text: 'd' })).text, 'd');
    assert.deepEqual(unaryPaths, [echoPath, echoPath, echoPath, echoPath]);
  } finally {
    client.close();
    plain.forceShutdown();
  }
});

test('after the server restarts, the next call opens a new stream', async () => {
  let { server } = echoServer(delayedEcho);
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`, { defaultTimeoutMs: 3000 });
  try {
    assert.equal((await client.echo({ text: 'before' })).text, 'before');
    await server.close(1000);
    ({ server } = echoServer(delayedEcho));
    await server.listen(`127.0.0.1:${port}`);
    // The first calls may race the reconnect and fail as unavailable; one after that must succeed (within 30 s, a
    // safety net: the reconnect waits for nothing but a loaded machine).
    let answer: string | undefined;
    for (const until = Date.now() + 30_000; answer === undefined && Date.now() < until;) {
      try {
        answer = (await client.echo({ text: 'after' })).text;
      } catch (err) {
        assert.ok(JoineryError.is(err, 'grpc:unavailable'), String(err));
        await sleep(100);
      }
    }
    assert.equal(answer, 'after');
  } finally {
    client.close();
    await server.close(1000);
  }
});

test('closing the server ends idle multiplexed streams instead of waiting out the grace period', async () => {
  const { server } = echoServer(delayedEcho);
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
  try {
    await client.echo({ text: 'open the stream' });
    await assertClosesWithoutWaitingOutGrace(server);
  } finally {
    client.close();
  }
});

describe('the mux method on the wire', () => {
  let server: GrpcServer;
  let raw: grpc.Client;
  before(async () => {
    ({ server } = echoServer(delayedEcho));
    const port = await server.listen('127.0.0.1:0');
    raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    raw.close();
    await server.close(1000);
  });

  const openStream = () => {
    const call = raw.makeBidiStreamRequest(
      muxPath,
      (b: Buffer) => b,
      (b: Buffer) => b,
      new grpc.Metadata(),
    );
    const answers: CallResponse[] = [];
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    const firstAnswer = new Promise<void>((resolve) => call.once('data', () => resolve()));
    call.on('data', (chunk: Buffer) => answers.push(fromBinary(CallResponseSchema, chunk)));
    call.on('error', () => undefined);
    const send = (init: Parameters<typeof create<typeof CallRequestSchema>>[1]) =>
      call.write(Buffer.from(toBinary(CallRequestSchema, create(CallRequestSchema, init))));
    return { call, answers, status, firstAnswer, send };
  };

  test('an unknown method is UNIMPLEMENTED for that call only', async () => {
    const s = openStream();
    s.send({ id: 1, method: '/joinery.testing.v1.EchoService/Nope', timeoutMs: 1000 });
    const echo = toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: 'still here' }));
    s.send({ id: 2, method: echoPath, payload: echo, timeoutMs: 1000 });
    s.call.end();
    assert.equal((await s.status).code, grpc.status.OK);
    const byId = new Map(s.answers.map((a) => [a.id, a]));
    assert.equal(byId.get(1)?.status, grpc.status.UNIMPLEMENTED);
    assert.equal(byId.get(2)?.status, 0);
    assert.equal(fromBinary(EchoResponseSchema, byId.get(2)?.payload ?? new Uint8Array()).text, 'still here');
  });

  test('undecodable request bytes answer INVALID_ARGUMENT with grpc:invalid_message', async () => {
    const s = openStream();
    s.send({ id: 5, method: echoPath, payload: Uint8Array.from([0x0a, 0xff]), timeoutMs: 1000 });
    s.call.end();
    await s.status;
    assert.equal(s.answers[0]?.status, grpc.status.INVALID_ARGUMENT);
    assert.equal(s.answers[0]?.errorCode, 'grpc:invalid_message');
  });

  test('an id already in flight is refused, the first call still answers', async () => {
    const s = openStream();
    const hold = toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: 'hold:id in use' }));
    s.send({ id: 9, method: echoPath, payload: hold });
    s.send({ id: 9, method: echoPath, payload: hold });
    s.call.end();
    await s.firstAnswer;
    held.release('id in use');
    await s.status;
    assert.deepEqual(
      s.answers.map((a) => [a.id, a.status]),
      [
        [9, grpc.status.INVALID_ARGUMENT],
        [9, 0],
      ],
    );
  });

  test('a frame that is not a CallRequest fails the stream with INVALID_ARGUMENT; frames after it are not served', async () => {
    const s = openStream();
    started.length = 0;
    s.call.write(Buffer.from([0xff, 0xff, 0xff]));
    const echo = toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: 'behind the bad frame' }));
    s.send({ id: 3, method: echoPath, payload: echo, timeoutMs: 1000 });
    assert.equal((await s.status).code, grpc.status.INVALID_ARGUMENT);
    await sleep(50);
    assert.deepEqual(started, []);
    assert.deepEqual(s.answers, []);
  });

  test('a cancelled call gets no answer', async () => {
    const s = openStream();
    // Held until cancelled: were the cancel not served, the hold's safety net would answer it after 10 s.
    const hold = toBinary(
      EchoRequestSchema,
      create(EchoRequestSchema, { text: 'hold:cancelled on the wire' }),
    );
    s.send({ id: 4, method: echoPath, payload: hold });
    s.send({ id: 4, method: echoPath, cancel: true });
    s.send({ id: 5, method: echoPath, cancel: true }); // not running: ignored
    s.call.end();
    assert.equal((await s.status).code, grpc.status.OK);
    assert.deepEqual(s.answers, []);
  });
});
