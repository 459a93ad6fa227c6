// Which client certificates the HTTPS edge takes as a credential: only those that verify against Joinery's CA now.
// An expired or not yet valid certificate, or one from another CA, reaches the handler as no credential at all (the
// handler then answers UnknownSender, bi-handler.test.ts), even when its fingerprint is one claims would know.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { captureLogs } from '@joinery/logging';
import type { FastifyInstance } from 'fastify';
import type { PeerCredentialInput } from '../../domain/ports.js';
import { recordingHandler } from '../../testing/recording-handler.js';
import { day, issueTestCertificate, testCa, type TestCertificate } from '../../testing/test-pki.js';
import { buildBiHttpApp } from './bi-http-app.js';

const clientAuth = [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])];
const now = Date.now();
const valid = { from: now - day, to: now + 10 * day };

let edge: FastifyInstance;
let port: number;
let caPem: string;
const { handler, seen } = recordingHandler();
const certs: Record<'valid' | 'expired' | 'notYetValid' | 'foreign', TestCertificate> = {} as never;

before(async () => {
  const ca = await testCa('Test Joinery CA');
  const other = await testCa('Someone else');
  caPem = ca.cert.toString('pem');
  const server = await issueTestCertificate(ca, 'CN=127.0.0.1', valid, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
  ]);
  certs.valid = await issueTestCertificate(ca, 'CN=00000A', valid, clientAuth);
  certs.expired = await issueTestCertificate(
    ca,
    'CN=00000A',
    { from: now - 10 * day, to: now - day },
    clientAuth,
  );
  certs.notYetValid = await issueTestCertificate(
    ca,
    'CN=00000A',
    { from: now + day, to: now + 10 * day },
    clientAuth,
  );
  certs.foreign = await issueTestCertificate(other, 'CN=00000A', valid, clientAuth);
  edge = buildBiHttpApp({
    handler,
    logger: captureLogs().logger,
    tls: { certPem: server.certPem, keyPem: server.keyPem, caPem },
  });
  await edge.listen({ host: '127.0.0.1', port: 0 });
  port = (edge.server.address() as AddressInfo).port;
});

after(() => edge?.close());

/** POSTs a JoinReq with `client` as the client certificate; resolves to the credential the handler was given. */
function credentialFor(client: TestCertificate): Promise<PeerCredentialInput> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        cert: client.certPem,
        key: client.keyPem,
        ca: caPem,
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
          else resolve(seen[seen.length - 1]!.credential);
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(requests.ttsBi10JoinReq));
  });
}

test('a certificate of the CA, valid now, is the credential: its SHA-256 fingerprint is passed on', async () => {
  const credential = await credentialFor(certs.valid);
  assert.equal(Buffer.from(credential.certFingerprint ?? []).toString('hex'), certs.valid.fingerprint);
});

const label = { expired: 'an expired', notYetValid: 'a not yet valid', foreign: "another CA's" } as const;
for (const name of ['expired', 'notYetValid', 'foreign'] as const)
  test(`${label[name]} certificate is no credential: the handler gets none (UnknownSender)`, async () => {
    const credential = await credentialFor(certs[name]);
    assert.deepEqual(credential, {});
  });
