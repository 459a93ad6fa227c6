// Asynchronous answering end to end (spec §1.2/§1.3): an NS registered with a callback URL gets an empty HTTP 200
// for its JoinReq, then the JoinAns POSTed to its own HTTPS server. The callback server presents a certificate from
// Joinery's CA (the gateway trusts that CA) and requires the gateway's client certificate, as a ChirpStack behind
// mTLS would; like ChirpStack v3 (spec §1.3), it refuses with 401 an answer whose certificate CN is not its SenderID.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { AppSKeyDelivery, Scope } from '@joinery/proto/claims/v1/claims_pb';
import {
  bytesOf as bytes,
  joinReqMessage,
  openJoinAns,
  simulatedDevice,
  unwrapEnvelope,
  type SimulatedDevice,
} from '@joinery/testing/simulated-network';
import { startJoinStack, type JoinStack } from './join-stack.js';
import { claimDevices, importDevices } from './ns-client.js';

const joinEui = '70B3D57ED0002000';
const netId = '00000A';

type Device = SimulatedDevice;

interface Received {
  readonly body: Record<string, unknown>;
  /** The client certificate the gateway presented (DER). */
  readonly clientCert: X509Certificate | undefined;
}

/**
 * The NS's callback server. `respond(n)` decides the status of the n-th POST (1-based) for a TransactionID, so a test can
 * fail the first attempts or all of them.
 */
class CallbackServer {
  readonly received: Received[] = [];
  readonly attempts = new Map<number, number>();
  /** Answers refused because the client certificate's CN was not their SenderID. */
  wrongCommonName = 0;
  #waiters: { transactionId: number; resolve: (r: Received) => void }[] = [];
  #server: Server | undefined;

  /**
   * `verifyPurpose`: let OpenSSL verify the client certificate completely (chain and clientAuth purpose), as a Go
   * or Node NS with `RequireAndVerifyClientCert` does. Without it the certificate is still required and its
   * signature is checked against Joinery's CA here, but the extended key usage is not.
   */
  constructor(
    readonly respond: (transactionId: number, attempt: number) => number,
    readonly verifyPurpose: boolean,
  ) {}

  async listen(tls: { certPem: string; keyPem: string; caPem: string }): Promise<string> {
    this.#server = createServer(
      {
        cert: tls.certPem,
        key: tls.keyPem,
        ca: tls.caPem,
        requestCert: true,
        rejectUnauthorized: this.verifyPurpose,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const clientCert = peer.raw === undefined ? undefined : new X509Certificate(peer.raw);
        if (clientCert === undefined || !clientCert.verify(new X509Certificate(tls.caPem).publicKey)) {
          res.writeHead(401).end();
          return;
        }
        let data = '';
        req.on('data', (chunk: Buffer) => (data += chunk.toString()));
        req.on('end', () => {
          const body = JSON.parse(data) as Record<string, unknown>;
          if (commonName(clientCert) !== body['SenderID']) {
            this.wrongCommonName += 1;
            res.writeHead(401).end();
            return;
          }
          const transactionId = Number(body['TransactionID']);
          const attempt = (this.attempts.get(transactionId) ?? 0) + 1;
          this.attempts.set(transactionId, attempt);
          const status = this.respond(transactionId, attempt);
          res.writeHead(status).end();
          if (status !== 200) return;
          const received = { body, clientCert };
          this.received.push(received);
          for (const w of this.#waiters.filter((w) => w.transactionId === transactionId)) w.resolve(received);
          this.#waiters = this.#waiters.filter((w) => w.transactionId !== transactionId);
        });
      },
    );
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}/async`;
  }

  /** The first answer accepted for a TransactionID (a JoinAns carries no DevEUI; the NS matches on this). */
  answerFor(transactionId: number): Promise<Received> {
    const done = this.received.find((r) => r.body['TransactionID'] === transactionId);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => this.#waiters.push({ transactionId, resolve }));
  }

  close(): Promise<void> {
    this.#server?.closeAllConnections();
    return new Promise((resolve) =>
      this.#server === undefined ? resolve() : this.#server.close(() => resolve()),
    );
  }
}

/** The subject CN of a certificate (node prints the subject one attribute per line). */
const commonName = (cert: X509Certificate) => /^CN=(.*)$/m.exec(cert.subject)?.[1];

const newDevice = (): Device => simulatedDevice('1.0.4');

function joinReq(d: Device, devNonce: number, transactionId: number, senderId = netId) {
  // ChirpStack v4 shape (spec §7.1), BI 1.0.
  return joinReqMessage(d, { joinEui, devNonce, senderId, transactionId }, { CFList: '' });
}

function post(
  port: number,
  body: unknown,
  tls: { cert: string; key: string; ca: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...tls,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Resolves once `predicate` holds, polling; rejects after `limitMs` so a test fails instead of hanging. */
async function eventually<T>(probe: () => T | undefined, limitMs: number, what: string): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref(),
    ),
  ]);

let stack: JoinStack;
let owner: { accountId: string; scope: Scope; apiKeyId: string };
let nsTls: { cert: string; key: string; ca: string };
let kek: { label: string; key: Uint8Array };
// TransactionIDs of each case: the flaky one is refused twice with 503 before being accepted, the failing one never.
const tx = { happy: 4242, flaky: 7, failing: 99, after: 100, strict: 5, refused: 31 };
const callback = new CallbackServer(
  (id, attempt) => (id === tx.failing ? 500 : id === tx.flaky && attempt <= 2 ? 503 : 200),
  false,
);
// A second NS whose callback server verifies the client certificate's purpose too.
const strictNetId = '00000B';
const strictCallback = new CallbackServer(() => 200, true);
let strictNsTls: { cert: string; key: string; ca: string };
let strictKek: { label: string; key: Uint8Array };
const devices = { happy: newDevice(), flaky: newDevice(), failing: newDevice(), after: newDevice() };
const strictDevice = newDevice();

before(async () => {
  // A short budget keeps the give-up case quick; attempts go out at about 0, 100, 400 and 1300 ms. The callback
  // servers listen on loopback, which only a lab set-up allows.
  stack = await startJoinStack({ JOINERY_BI_ASYNC_BUDGET: '2000', JOINERY_ALLOW_PRIVATE_ASYNC_URLS: 'true' });
  const serverCert = await stack.claims.issueServerCertificate({ hostnames: ['127.0.0.1'] });
  const asyncUrl = await callback.listen({
    certPem: serverCert.certPem,
    keyPem: serverCert.keyPem,
    caPem: serverCert.caCertPem,
  });
  const { account, apiKeyId } = await stack.claims.createAccount({
    principal: stack.admin,
    name: 'async-owner',
  });
  owner = { accountId: account!.id, scope: Scope.OWNER, apiKeyId };
  const ns = await stack.claims.registerNetworkServer({
    principal: owner,
    name: 'chirpstack-async',
    netId: bytes(netId),
    appSKeyDelivery: AppSKeyDelivery.PLAINTEXT,
    asyncUrl,
  });
  nsTls = { cert: ns.credentials!.clientCertPem, key: ns.credentials!.clientKeyPem, ca: stack.caCertPem };
  const strictNs = await stack.claims.registerNetworkServer({
    principal: owner,
    name: 'chirpstack-async-strict',
    netId: bytes(strictNetId),
    appSKeyDelivery: AppSKeyDelivery.PLAINTEXT,
    asyncUrl: await strictCallback.listen({
      certPem: serverCert.certPem,
      keyPem: serverCert.keyPem,
      caPem: serverCert.caCertPem,
    }),
  });
  strictKek = { label: strictNs.kek!.label, key: strictNs.kek!.key };
  strictNsTls = {
    cert: strictNs.credentials!.clientCertPem,
    key: strictNs.credentials!.clientKeyPem,
    ca: stack.caCertPem,
  };
  kek = { label: ns.kek!.label, key: ns.kek!.key };
  await importDevices(stack.claims, stack.admin, joinEui, [...Object.values(devices), strictDevice]);
  await claimDevices(stack.claims, owner, Object.values(devices), ns.peer!.id);
  await claimDevices(stack.claims, owner, [strictDevice], strictNs.peer!.id);
});

after(async () => {
  await stack?.stop();
  await callback.close();
  await strictCallback.close();
});

/** Opens the join-accept as the device would and checks the NwkSKey the NS unwrapped is the device's. */
function assertJoinAns(
  d: Device,
  devNonce: number,
  ans: Record<string, unknown>,
  expected: { netId: string; kek: { label: string; key: Uint8Array } } = { netId, kek },
): void {
  assert.deepEqual(ans['Result'], { ResultCode: 'Success' });
  assert.equal(ans['MessageType'], 'JoinAns');
  assert.equal(ans['SenderID'], joinEui);
  assert.equal(ans['ReceiverID'], expected.netId);
  const opened = openJoinAns(d, { joinEui, devNonce }, String(ans['PHYPayload']));
  assert.equal(opened.joinAccept.netId.toString(), expected.netId);
  assert.equal(opened.joinAccept.devAddr.toString(), '01020304');
  assert.equal(opened.sessionKeys.optNeg, false);
  if (opened.sessionKeys.optNeg) return;
  const nwkSKey = ans['NwkSKey'] as { KEKLabel: string; AESKey: string };
  assert.equal(nwkSKey.KEKLabel, expected.kek.label);
  assert.equal(unwrapEnvelope(nwkSKey, expected.kek.key), opened.sessionKeys.nwkSKey.toHex().toUpperCase());
  // Plaintext AppSKey delivery (ChirpStack decrypts the application payload itself).
  const appSKey = ans['AppSKey'] as { KEKLabel?: string; AESKey: string };
  assert.equal(appSKey.AESKey, opened.sessionKeys.appSKey.toHex().toUpperCase());
}

describe('asynchronous JoinAns over mTLS', () => {
  test('the JoinReq is answered 200 with an empty body; the JoinAns arrives at the callback URL', async () => {
    const res = await post(stack.biPort, joinReq(devices.happy, 1, tx.happy), nsTls);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const received = await within(callback.answerFor(tx.happy), 10_000, 'the JoinAns');
    assert.equal(received.body['TransactionID'], tx.happy);
    assertJoinAns(devices.happy, 1, received.body);
    // The gateway authenticated itself with a certificate of Joinery's CA (the server checked the signature).
    assert.ok(received.clientCert !== undefined);
    assert.match(received.clientCert.issuer, /Joinery/);
    // Its CN is the answer's SenderID, the JoinEUI, as ChirpStack v3 demands.
    assert.equal(commonName(received.clientCert), joinEui);
    assert.equal(callback.attempts.get(tx.happy), 1);
    assert.equal(callback.wrongCommonName, 0);
  });

  test('a callback server that refuses the first attempts gets the answer on a retry', async () => {
    const res = await post(stack.biPort, joinReq(devices.flaky, 7, tx.flaky), nsTls);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const received = await within(callback.answerFor(tx.flaky), 10_000, 'the retried JoinAns');
    assert.equal(callback.attempts.get(tx.flaky), 3);
    assert.equal(received.body['TransactionID'], tx.flaky);
    assertJoinAns(devices.flaky, 7, received.body);
    const warnings = stack.logs
      .grep('asynchronous answer not accepted')
      .filter((r) => r['dev_eui'] === devices.flaky.devEui);
    assert.deepEqual(
      warnings.map((r) => [r['attempt'], r['outcome']]),
      [
        [1, 'HTTP 503'],
        [2, 'HTTP 503'],
      ],
    );
  });

  test('a callback server that never accepts: bounded give-up, logged; the gateway keeps serving', async () => {
    const res = await post(stack.biPort, joinReq(devices.failing, 3, tx.failing), nsTls);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const gaveUp = await eventually(
      () =>
        stack.logs
          .grep('asynchronous answer could not be delivered')
          .find((r) => r['dev_eui'] === devices.failing.devEui),
      15_000,
      'the give-up log',
    );
    assert.equal(gaveUp['level'], 'error');
    const attempts = callback.attempts.get(tx.failing) ?? 0;
    assert.ok(attempts >= 2, `retried before giving up (${attempts} attempts)`);
    // Nothing more is sent after the give-up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(callback.attempts.get(tx.failing), attempts);
    assert.equal(callback.received.filter((r) => r.body['TransactionID'] === tx.failing).length, 0);

    const next = await post(stack.biPort, joinReq(devices.after, 1, tx.after), nsTls);
    assert.equal(next.status, 200);
    const received = await within(callback.answerFor(tx.after), 10_000, 'the next JoinAns');
    assertJoinAns(devices.after, 1, received.body);
  });

  test('a refusal goes the same way: 200 with an empty body, then the JoinAns with its result code POSTed', async () => {
    // A device this NS may not activate (never imported): ChirpStack in async mode ignores a body in the response,
    // so an answer there would reach it as "Async timeout" instead of UnknownDevEUI.
    const res = await post(stack.biPort, joinReq(newDevice(), 1, tx.refused), nsTls);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const received = await within(callback.answerFor(tx.refused), 10_000, 'the refusal');
    assert.equal(received.body['MessageType'], 'JoinAns');
    assert.equal(received.body['TransactionID'], tx.refused);
    assert.equal(received.body['SenderID'], joinEui);
    assert.equal((received.body['Result'] as { ResultCode: string }).ResultCode, 'UnknownDevEUI');
    assert.equal(received.body['PHYPayload'], undefined);
  });

  test('a callback server that verifies the client certificate purpose (clientAuth) accepts the gateway', async () => {
    const res = await post(stack.biPort, joinReq(strictDevice, 1, tx.strict, strictNetId), strictNsTls);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const received = await within(strictCallback.answerFor(tx.strict), 6_000, 'the JoinAns');
    assertJoinAns(strictDevice, 1, received.body, { netId: strictNetId, kek: strictKek });
  });
});
