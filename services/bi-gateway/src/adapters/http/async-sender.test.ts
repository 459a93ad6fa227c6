import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { captureLogs } from '@joinery/logging';
import {
  CallbackAddressRefused,
  callbackTrust,
  createHttpAsyncSender,
  publicOnlyLookup,
  type Resolve,
} from './async-sender.js';
import { day, issueTestCertificate, testCa, type TestCa } from '../../testing/test-pki.js';

const context = { devEui: 'X', transactionId: 7, senderId: '70B3D57ED0001' };

function recorder(statuses: number[]) {
  const bodies: unknown[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  };
  return { bodies, handle };
}

async function callbackServer(statuses: number[]) {
  const { bodies, handle } = recorder(statuses);
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/any/path`;
  return {
    url,
    port,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('delivery', () => {
  test('delivers the answer, retrying after a refused attempt', async () => {
    const server = await callbackServer([503, 200]);
    try {
      const sender = createHttpAsyncSender({
        logger: captureLogs().logger,
        budgetMs: 3000,
        allowPrivateAddresses: true,
      });
      await sender.send(server.url, { MessageType: 'JoinAns', TransactionID: 7 }, context);
      assert.equal(server.bodies.length, 2);
      assert.deepEqual(server.bodies[1], { MessageType: 'JoinAns', TransactionID: 7 });
    } finally {
      await server.close();
    }
  });

  test('gives up within its budget when the peer never accepts', async () => {
    const server = await callbackServer([500, 500, 500, 500, 500, 500, 500, 500]);
    try {
      const sender = createHttpAsyncSender({
        logger: captureLogs().logger,
        budgetMs: 500,
        allowPrivateAddresses: true,
      });
      await assert.rejects(sender.send(server.url, {}, context), /not delivered/);
      assert.ok(server.bodies.length >= 2);
    } finally {
      await server.close();
    }
  });
});

describe('callback addresses (SSRF)', () => {
  test('by default an answer is never sent to a loopback or private IP, in any spelling', async () => {
    const server = await callbackServer([]);
    try {
      const { logger, records } = captureLogs();
      const sender = createHttpAsyncSender({ logger, budgetMs: 1000 });
      for (const host of ['127.0.0.1', '2130706433', '0x7f.0.0.1', '[::ffff:127.0.0.1]', 'localhost'])
        await assert.rejects(
          sender.send(`http://${host}:${server.port}/cb`, { MessageType: 'JoinAns' }, context),
          (err: unknown) =>
            err instanceof CallbackAddressRefused && err.code === 'ERR_CALLBACK_ADDRESS_NOT_PUBLIC',
          host,
        );
      assert.equal(server.bodies.length, 0);
      assert.ok(
        records().some((r) => r['msg'] === 'asynchronous answer not sent: callback address not public'),
      );
    } finally {
      await server.close();
    }
  });

  test('a public name that resolves to a private address (DNS rebinding) gets no connection', async () => {
    const server = await callbackServer([]);
    try {
      let lookups = 0;
      // Public the first time, loopback after: a check made before connecting would pass and then connect here.
      const rebinding: Resolve = async () =>
        (lookups += 1) === 1
          ? [{ address: '93.184.216.34', family: 4 }]
          : [{ address: '127.0.0.1', family: 4 }];
      const lookup = publicOnlyLookup(rebinding);
      const first = await lookupOnce(lookup, 'callback.example.com');
      assert.deepEqual(first, { address: '93.184.216.34', family: 4 });
      await assert.rejects(lookupOnce(lookup, 'callback.example.com'), CallbackAddressRefused);

      const sender = createHttpAsyncSender({
        logger: captureLogs().logger,
        budgetMs: 1000,
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      await assert.rejects(
        sender.send(`http://callback.example.com:${server.port}/cb`, {}, context),
        CallbackAddressRefused,
      );
      assert.equal(server.bodies.length, 0);
    } finally {
      await server.close();
    }
  });

  test('the connection goes to the addresses the checked lookup gave: only the public ones', async () => {
    const mixed: Resolve = async () => [
      { address: '10.0.0.1', family: 4 },
      { address: '93.184.216.34', family: 4 },
      { address: '::1', family: 6 },
      { address: '::ffff:192.168.0.1', family: 6 },
      { address: '2606:4700::1111', family: 6 },
    ];
    const lookup = publicOnlyLookup(mixed);
    assert.deepEqual(await lookupAll(lookup, 'ns.example.com', 0), [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
    assert.deepEqual(await lookupAll(lookup, 'ns.example.com', 6), [
      { address: '2606:4700::1111', family: 6 },
    ]);
    assert.deepEqual(await lookupOnce(lookup, 'ns.example.com'), { address: '93.184.216.34', family: 4 });
  });

  test('with the operator switch a loopback callback is used (lab set-ups)', async () => {
    const server = await callbackServer([]);
    try {
      const sender = createHttpAsyncSender({
        logger: captureLogs().logger,
        budgetMs: 1000,
        allowPrivateAddresses: true,
      });
      await sender.send(server.url, { MessageType: 'JoinAns' }, context);
      assert.equal(server.bodies.length, 1);
    } finally {
      await server.close();
    }
  });
});

function lookupOnce(lookup: LookupFunction, host: string): Promise<{ address: string; family: number }> {
  return new Promise((resolve, reject) =>
    lookup(host, {}, (err, address, family) =>
      err ? reject(err) : resolve({ address: address as string, family: family ?? 0 }),
    ),
  );
}

function lookupAll(lookup: LookupFunction, host: string, family: number): Promise<unknown> {
  return new Promise((resolve, reject) =>
    lookup(host, { all: true, family }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
}

// --- HTTPS callback servers and whom the sender trusts ---

/** A callback server's certificate from `ca`, for 127.0.0.1. */
async function serverCert(ca: TestCa): Promise<{ cert: string; key: string }> {
  const now = Date.now();
  const { certPem, keyPem } = await issueTestCertificate(
    ca,
    'CN=127.0.0.1',
    { from: now - day, to: now + 10 * day },
    [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ],
  );
  return { cert: certPem, key: keyPem };
}

describe('callback servers over HTTPS', () => {
  // "public" stands in for a public CA of the system store; "joinery" for the CA the gateway is given.
  const cas: Record<'public' | 'joinery' | 'ns' | 'unknown', TestCa> = {} as never;
  const servers: { url: string; bodies: unknown[]; close: () => Promise<void> }[] = [];
  const urls: Record<keyof typeof cas, string> = {} as never;

  before(async () => {
    for (const name of ['public', 'joinery', 'ns', 'unknown'] as const) {
      cas[name] = await testCa(`${name} CA`);
      const tls = await serverCert(cas[name]);
      const { bodies, handle } = recorder([]);
      const server = createHttpsServer({ cert: tls.cert, key: tls.key }, handle);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      urls[name] = `https://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
      servers.push({
        url: urls[name],
        bodies,
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        },
      });
    }
  });
  after(() => Promise.all(servers.map((s) => s.close())));

  const sender = () =>
    createHttpAsyncSender({
      logger: captureLogs().logger,
      budgetMs: 300,
      allowPrivateAddresses: true,
      caPem: cas.joinery.pem,
      systemCaPems: [cas.public.pem],
    });

  test('a callback server whose certificate chains to the CA registered with the NS is trusted', async () => {
    await sender().send(urls.ns, { MessageType: 'JoinAns' }, { ...context, callbackCaPem: cas.ns.pem });
    assert.equal(servers[2]?.bodies.length, 1);
  });

  test('one that chains to a CA nobody registered is not', async () => {
    await assert.rejects(
      sender().send(urls.unknown, { MessageType: 'JoinAns' }, { ...context, callbackCaPem: cas.ns.pem }),
      /not delivered.*(self-signed|unable to verify|certificate)/,
    );
    await assert.rejects(sender().send(urls.ns, { MessageType: 'JoinAns' }, context), /not delivered/);
    assert.equal(servers[3]?.bodies.length, 0);
  });

  test('the extra CAs are added to the system store, not put in its place', async () => {
    // A callback server with a certificate from a public CA, while the gateway has its own CA and the NS another.
    await sender().send(urls.public, { MessageType: 'JoinAns' }, { ...context, callbackCaPem: cas.ns.pem });
    await sender().send(urls.joinery, { MessageType: 'JoinAns' }, { ...context, callbackCaPem: cas.ns.pem });
    assert.equal(servers[0]?.bodies.length, 1);
    assert.equal(servers[1]?.bodies.length, 1);
    const trusted = callbackTrust({ caPem: cas.joinery.pem }, cas.ns.pem);
    assert.deepEqual(trusted, [...rootCertificates, cas.joinery.pem, cas.ns.pem]);
    assert.ok(rootCertificates.length > 100);
  });
});
