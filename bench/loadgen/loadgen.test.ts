// The benchmarks' generator counts what it is answered: every request sent once, each answer sorted into success or
// the failure it names, latencies no shorter than the server took. Run against small servers in this process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { JoineryError } from '@joinery/errors';
import { createGrpcServer } from '@joinery/grpc';
import { EchoRequestSchema, EchoService } from '@joinery/proto/testing/v1/echo_pb';
import { runLoadgen } from './loadgen.js';

const goMissing = (() => {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'Go is not on the PATH: the benchmarks cannot run here either';
  }
})();

const delayMs = 5;
/** The answer the fake gateway gives to request number n: success, a refusal, or an HTTP error. */
const outcome = (n: number) => (n % 10 === 9 ? 'HTTP 500' : n % 3 === 1 ? 'MICFailed' : 'Success');

test(
  'http: each request once, answers counted by ResultCode and status, bearer sent',
  { skip: goMissing },
  async () => {
    const seen: number[] = [];
    let authorized = 0;
    // The generator opens its connections with GETs before a phase: sockets seen, answered 404 like the gateway.
    const preconnected = new Set<unknown>();
    const server = createServer((req, res) => {
      if (req.method === 'GET') {
        preconnected.add(req.socket);
        res.writeHead(404).end();
        return;
      }
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        const n = (JSON.parse(body) as { n: number }).n;
        seen.push(n);
        if (req.headers.authorization === 'Bearer t0ken') authorized += 1;
        setTimeout(() => {
          const code = outcome(n);
          if (code === 'HTTP 500') res.writeHead(500).end();
          else
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ Result: { ResultCode: code } }));
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const requests = Array.from({ length: 5000 }, (_, n) => JSON.stringify({ n }));
      const closed = await runLoadgen(
        { mode: 'http', url, bearer: 't0ken', conns: 4 },
        { closed: 4, seconds: 1 },
        requests,
      );
      assert.equal(closed.sent, seen.length, 'the report counts what the server received');
      assert.equal(new Set(seen).size, seen.length, 'no request sent twice');
      assert.ok(
        seen.every((n) => n < closed.sent),
        'requests taken in file order',
      );
      assert.equal(authorized, seen.length);
      const expected: Record<string, number> = {};
      let ok = 0;
      for (const n of seen) {
        const code = outcome(n);
        if (code === 'Success') ok += 1;
        else expected[code] = (expected[code] ?? 0) + 1;
      }
      assert.equal(closed.ok, ok);
      assert.deepEqual(closed.failures, expected);
      assert.ok(closed.p50 >= delayMs, `p50 ${closed.p50} ms is at least the server's ${delayMs} ms`);
      assert.equal(preconnected.size, 4, 'all four connections opened before the phase');

      seen.length = 0;
      const open = await runLoadgen(
        { mode: 'http', url, conns: 8 },
        { rate: 200, seconds: 1 },
        requests.slice(0, 200),
      );
      assert.equal(open.sent, 200);
      assert.equal(preconnected.size, 4 + 8, 'a new generator opens its own eight');
      assert.equal(seen.length, 200);
      assert.equal(open.ok + Object.values(open.failures).reduce((a, b) => a + b, 0), 200);
      assert.ok(open.p50 >= delayMs);
      await assert.rejects(
        runLoadgen({ mode: 'http', url, conns: 8 }, { rate: 200, seconds: 2 }, requests.slice(0, 200)),
        /400 requests needed/,
        'an open loop refuses to run short of requests',
      );
    } finally {
      server.close();
    }
  },
);

test(
  'grpc: the request bytes reach the method as they are, status codes counted by name',
  { skip: goMissing },
  async () => {
    const received: Buffer[] = [];
    const server = new grpc.Server();
    const identity = (b: Buffer) => b;
    server.addService(
      {
        call: {
          path: '/bench.Echo/Call',
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      },
      {
        call: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          received.push(call.request);
          if (call.request[0]! % 4 === 0) callback({ code: grpc.status.INVALID_ARGUMENT, details: 'no' });
          else callback(null, Buffer.from([1, ...call.request]));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err === null ? resolve(p) : reject(err),
      ),
    );
    try {
      const requests = Array.from({ length: 100 }, (_, n) => new Uint8Array([n, 0xaa, 0x55]));
      const r = await runLoadgen(
        { mode: 'grpc', target: `127.0.0.1:${port}`, method: '/bench.Echo/Call' },
        { rate: 100, seconds: 1 },
        requests,
      );
      assert.equal(r.sent, 100);
      assert.deepEqual(
        received.map((b) => [...b]).sort((a, b) => a[0]! - b[0]!),
        requests.map((b) => [...b]),
      );
      assert.equal(r.ok, 75);
      assert.deepEqual(r.failures, { InvalidArgument: 25 });
    } finally {
      server.forceShutdown();
    }
  },
);

test(
  'grpc -mux: each request once as a multiplexed call of a Joinery server, error statuses counted by name',
  { skip: goMissing },
  async () => {
    const received: string[] = [];
    const server = createGrpcServer();
    server.add(EchoService, {
      async echo(request) {
        received.push(request.text);
        if (request.count % 4 === 0) throw new JoineryError('test:refused', 'invalid_argument', 'refused');
        return { text: request.text };
      },
    });
    const port = await server.listen('127.0.0.1:0');
    try {
      const requests = Array.from({ length: 100 }, (_, n) =>
        toBinary(EchoRequestSchema, create(EchoRequestSchema, { text: `r${n}`, count: n })),
      );
      const r = await runLoadgen(
        {
          mode: 'grpc',
          target: `127.0.0.1:${port}`,
          method: '/joinery.testing.v1.EchoService/Echo',
          mux: true,
        },
        { rate: 100, seconds: 1 },
        requests,
      );
      assert.equal(r.sent, 100);
      assert.deepEqual(received.sort(), requests.map((_, n) => `r${n}`).sort());
      assert.equal(r.ok, 75);
      assert.deepEqual(r.failures, { InvalidArgument: 25 });
    } finally {
      await server.close(1000);
    }
  },
);
