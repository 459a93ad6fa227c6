import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, test } from 'node:test';
import { JoineryError, errorKinds, isErrorKind } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { EchoService, WatchService } from '@joinery/proto/testing/v1/echo_pb';
import { createGrpcClient } from './grpc-client.js';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import { createInProcessClient } from './in-process-client.js';
import { createInProcessDirectClient } from './in-process-client.js';
import { rejection } from './test-helpers.js';
import type { Client, ServiceImpl } from './types.js';

/** What the handler observed of calls it was asked to hold until aborted. */
interface Observed {
  started: Promise<void>;
  aborted: Promise<unknown>;
}

function echoImpl() {
  let onStarted: () => void = () => undefined;
  let onAborted: (reason: unknown) => void = () => undefined;
  const observed: Observed = {
    started: new Promise((resolve) => (onStarted = resolve)),
    aborted: new Promise((resolve) => (onAborted = resolve)),
  };
  const reset = () => {
    observed.started = new Promise((resolve) => (onStarted = resolve));
    observed.aborted = new Promise((resolve) => (onAborted = resolve));
  };
  const impl: ServiceImpl<typeof EchoService> = {
    async echo(request, context) {
      const [command, arg] = request.text.split(':');
      if (command === 'fail' && arg !== undefined && isErrorKind(arg)) {
        throw new JoineryError(`test:${arg}`, arg, `failed with ${arg}`, {
          details: { kind: arg, n: 42, retry: true },
        });
      }
      if (command === 'crash') throw new Error('connection string redis://:hunter2@db');
      if (command === 'hold') {
        onStarted();
        const reason = await new Promise((resolve) =>
          context.signal.addEventListener('abort', () => resolve(context.signal.reason)),
        );
        onAborted(reason);
        return { text: 'too late' };
      }
      return {
        text: request.text,
        payload: request.payload,
        count: request.count + 1,
        metadata: context.metadata,
        peer: context.peer,
        hasDeadline: context.deadline !== undefined && context.deadline.getTime() > Date.now(),
      };
    },
  };
  return { impl, observed, reset };
}

interface Transport {
  client: Client<typeof EchoService>;
  /** A client whose calls time out after 150 ms unless told otherwise. */
  shortClient: Client<typeof EchoService>;
  observed: Observed;
  reset(): void;
  logs: ReturnType<typeof captureLogs>;
  peer: RegExp;
}

/** A real loopback server, and clients calling it one HTTP/2 stream per call or multiplexed on one stream. */
const loopback = (multiplex: boolean) => async (): Promise<Transport & { close(): Promise<void> }> => {
  const logs = captureLogs();
  const { impl, observed, reset } = echoImpl();
  const server = createGrpcServer({ logger: logs.logger });
  server.add(EchoService, impl);
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`, { multiplex });
  const shortClient = createGrpcClient(EchoService, `127.0.0.1:${port}`, {
    defaultTimeoutMs: 150,
    multiplex,
  });
  return {
    client,
    shortClient,
    observed,
    reset,
    logs,
    peer: /^(ipv4:)?127\.0\.0\.1:\d+$/,
    async close() {
      client.close();
      shortClient.close();
      await server.close(1000);
    },
  };
};

const transports: [string, () => Promise<Transport & { close(): Promise<void> }>][] = [
  ['loopback gRPC, one stream per call', loopback(false)],
  ['loopback gRPC, multiplexed', loopback(true)],
  [
    'in-process',
    async () => {
      const logs = captureLogs();
      const { impl, observed, reset } = echoImpl();
      return {
        client: createInProcessClient(EchoService, impl, { logger: logs.logger }),
        shortClient: createInProcessClient(EchoService, impl, { logger: logs.logger, defaultTimeoutMs: 150 }),
        observed,
        reset,
        logs,
        peer: /^in-process$/,
        close: async () => undefined,
      };
    },
  ],
  [
    'in-process, messages passed as objects',
    async () => {
      const logs = captureLogs();
      const { impl, observed, reset } = echoImpl();
      return {
        client: createInProcessDirectClient(EchoService, impl, { logger: logs.logger }),
        shortClient: createInProcessDirectClient(EchoService, impl, {
          logger: logs.logger,
          defaultTimeoutMs: 150,
        }),
        observed,
        reset,
        logs,
        peer: /^in-process$/,
        close: async () => undefined,
      };
    },
  ],
];

for (const [name, setUp] of transports) {
  describe(`${name} transport`, () => {
    let t: Transport & { close(): Promise<void> };
    before(async () => {
      t = await setUp();
    });
    after(() => t.close());

    test('a call round-trips its message through binary', async () => {
      const payload = Uint8Array.from([0, 1, 2, 0xfe, 0xff]);
      const answer = await t.client.echo({ text: 'héllo', payload, count: 41 });
      assert.equal(answer.$typeName, 'joinery.testing.v1.EchoResponse');
      assert.equal(answer.text, 'héllo');
      assert.deepEqual([...answer.payload], [0, 1, 2, 0xfe, 0xff]);
      assert.equal(answer.count, 42);
      assert.equal(answer.hasDeadline, true);
      assert.match(answer.peer, t.peer);
    });

    test('handlers see exactly the request metadata, keys lower-cased', async () => {
      const answer = await t.client.echo(
        { text: 'm' },
        { metadata: { 'x-request-id': 'r-1', 'X-Caller': 'keys' } },
      );
      assert.deepEqual(answer.metadata, { 'x-request-id': 'r-1', 'x-caller': 'keys' });
      const none = await t.client.echo({ text: 'm' });
      assert.deepEqual(none.metadata, {});
    });

    test('invalid metadata is refused before sending', async () => {
      for (const metadata of [
        { 'bad key': 'v' },
        { 'x-id': 'line\nbreak' },
        { 'x-data-bin': 'v' },
        { 'grpc-timeout': '1S' },
      ]) {
        const err = await rejection(t.client.echo({ text: 'm' }, { metadata }));
        assert.equal(err.code, 'grpc:invalid_metadata', JSON.stringify(metadata));
        assert.equal(err.kind, 'invalid_argument');
      }
    });

    for (const kind of errorKinds) {
      test(`a ${kind} error arrives with its code, kind and details`, async () => {
        const err = await rejection(t.client.echo({ text: `fail:${kind}` }));
        assert.equal(err.code, `test:${kind}`);
        assert.equal(err.kind, kind);
        assert.deepEqual(err.details, { kind, n: 42, retry: true });
        assert.equal(err.message, kind === 'internal' ? 'internal error' : `failed with ${kind}`);
      });
    }

    test('an unexpected error is internal, hidden from the caller and logged with its cause', async () => {
      t.logs.clear();
      const err = await rejection(t.client.echo({ text: 'crash' }));
      assert.equal(err.code, 'internal:unexpected');
      assert.equal(err.kind, 'internal');
      assert.equal(err.message, 'internal error');
      assert.ok(
        !JSON.stringify({ ...err.details, message: err.message, stack: err.stack }).includes('hunter2'),
      );
      const [line] = t.logs.grep('gRPC handler failed') as [
        { grpc_method: string; err: { message: string } },
      ];
      assert.equal(line.grpc_method, '/joinery.testing.v1.EchoService/Echo');
      assert.match(line.err.message, /redis:\/\//);
    });

    test('a call past its deadline fails with deadline_exceeded and aborts the handler', async () => {
      t.reset();
      const err = await rejection(t.client.echo({ text: 'hold' }, { timeoutMs: 100 }));
      assert.equal(err.code, 'grpc:deadline_exceeded');
      assert.equal(err.kind, 'deadline_exceeded');
      const reason = await t.observed.aborted;
      assert.ok(
        reason instanceof JoineryError && ['grpc:deadline_exceeded', 'grpc:cancelled'].includes(reason.code),
      );
    });

    test('the client default deadline applies when a call sets none', async () => {
      t.reset();
      const err = await rejection(t.shortClient.echo({ text: 'hold' }));
      assert.equal(err.code, 'grpc:deadline_exceeded');
      await t.observed.aborted;
    });

    test('aborting the signal cancels the call and aborts the handler', async () => {
      t.reset();
      const controller = new AbortController();
      const call = t.client.echo({ text: 'hold' }, { signal: controller.signal, timeoutMs: 10_000 });
      await t.observed.started;
      controller.abort(new Error('caller gave up'));
      const err = await rejection(call);
      assert.equal(err.code, 'grpc:cancelled');
      const reason = await t.observed.aborted;
      assert.ok(reason instanceof JoineryError && reason.code === 'grpc:cancelled');
    });

    test('a negative or NaN timeout is refused', async () => {
      for (const timeoutMs of [-1, Number.NaN]) {
        const err = await rejection(t.client.echo({ text: 'x' }, { timeoutMs }));
        assert.equal(err.code, 'grpc:invalid_timeout');
      }
    });

    test('an already aborted signal fails without calling', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(t.client.echo({ text: 'x' }, { signal: controller.signal }));
      assert.equal(err.code, 'grpc:cancelled');
    });
  });
}

test('services with streaming methods are refused when registered', () => {
  const server: GrpcServer = createGrpcServer();
  const impl = { watch: async () => ({}) } as unknown as ServiceImpl<typeof WatchService>;
  assert.throws(
    () => server.add(WatchService, impl),
    (err) => JoineryError.is(err, 'grpc:unsupported_method'),
  );
  assert.throws(
    () => createInProcessClient(WatchService, impl),
    (err) => JoineryError.is(err, 'grpc:unsupported_method'),
  );
  assert.throws(
    () => createInProcessDirectClient(WatchService, impl),
    (err) => JoineryError.is(err, 'grpc:unsupported_method'),
  );
});

test('an implementation missing a method is refused when registered', () => {
  const impl = {} as ServiceImpl<typeof EchoService>;
  assert.throws(() => createGrpcServer().add(EchoService, impl), /lacks echo/);
  assert.throws(() => createInProcessClient(EchoService, impl), /lacks echo/);
  assert.throws(() => createInProcessDirectClient(EchoService, impl), /lacks echo/);
});

test('a server that is not there gives grpc:unavailable', async () => {
  const server = createGrpcServer();
  server.add(EchoService, echoImpl().impl);
  const port = await server.listen('127.0.0.1:0');
  await server.close(0);
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`, { defaultTimeoutMs: 2000 });
  try {
    const err = await rejection(client.echo({ text: 'x' }));
    assert.equal(err.code, 'grpc:unavailable');
    assert.equal(err.kind, 'unavailable');
  } finally {
    client.close();
  }
});

describe('loopback gRPC server', () => {
  let server: GrpcServer;
  let port: number;
  let raw: grpc.Client;
  let impl: ReturnType<typeof echoImpl>;
  const logs = captureLogs();
  before(async () => {
    impl = echoImpl();
    server = createGrpcServer({ logger: logs.logger });
    server.add(EchoService, impl.impl);
    port = await server.listen('127.0.0.1:0');
    raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    raw.close();
    await server.close(1000);
  });

  const rawCall = (path: string, body: Buffer) =>
    new Promise<grpc.ServiceError>((resolve, reject) => {
      raw.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (err) => (err === null ? reject(new Error('expected an error')) : resolve(err)),
      );
    });

  test('undecodable request bytes are INVALID_ARGUMENT with grpc:invalid_message', async () => {
    const err = await rawCall('/joinery.testing.v1.EchoService/Echo', Buffer.from([0x0a, 0xff]));
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(err.metadata.get('joinery-error-code'), ['grpc:invalid_message']);
  });

  test('an unknown method is UNIMPLEMENTED', async () => {
    const err = await rawCall('/joinery.testing.v1.EchoService/Nope', Buffer.alloc(0));
    assert.equal(err.code, grpc.status.UNIMPLEMENTED);
  });

  test('every call is logged at debug with its status', async () => {
    logs.clear();
    const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
    try {
      await client.echo({ text: 'ok' });
      await rejection(client.echo({ text: 'fail:not_found' }));
    } finally {
      client.close();
    }
    assert.deepEqual(
      logs.grep('"msg":"gRPC call"').map((r) => [r.level, r.grpc_method, r.grpc_status]),
      [
        ['debug', '/joinery.testing.v1.EchoService/Echo', 'OK'],
        ['debug', '/joinery.testing.v1.EchoService/Echo', 'NOT_FOUND'],
      ],
    );
  });
});

test('close lets a running call finish within the grace period', async () => {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (started = resolve));
  const server = createGrpcServer();
  server.add(EchoService, {
    async echo(request) {
      started();
      await released;
      return { text: request.text };
    },
  });
  const port = await server.listen('127.0.0.1:0');
  const client = createGrpcClient(EchoService, `127.0.0.1:${port}`);
  try {
    const call = client.echo({ text: 'finishing' });
    await running;
    const closed = server.close(5000);
    release();
    assert.equal((await call).text, 'finishing');
    await closed;
  } finally {
    client.close();
  }
});
