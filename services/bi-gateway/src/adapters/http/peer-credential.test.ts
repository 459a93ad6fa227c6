import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { peerCredentialOf } from './peer-credential.js';

function fakeSocket(raw: Buffer | undefined, authorized = true) {
  const socket = {
    authorized,
    calls: 0,
    getPeerCertificate() {
      socket.calls += 1;
      return raw === undefined ? {} : { raw };
    },
  };
  return socket;
}

const sha256 = (b: Buffer) => new Uint8Array(createHash('sha256').update(b).digest());

describe('peerCredentialOf', () => {
  test('a verified client certificate is its SHA-256 fingerprint, read once per connection', () => {
    const der = Buffer.from('3082010a02820101', 'hex');
    const socket = fakeSocket(der);
    for (let i = 0; i < 3; i += 1)
      assert.deepEqual(peerCredentialOf({}, socket), { certFingerprint: sha256(der) });
    assert.equal(socket.calls, 1);
    // Another connection with another certificate has its own.
    const other = Buffer.from('3082010a02820102', 'hex');
    assert.deepEqual(peerCredentialOf({}, fakeSocket(other)), { certFingerprint: sha256(other) });
  });

  test('an unverified certificate does not count; a bearer token does', () => {
    const socket = fakeSocket(Buffer.from('01', 'hex'), false);
    assert.deepEqual(peerCredentialOf({ authorization: 'Bearer abc' }, socket), { bearerToken: 'abc' });
    assert.deepEqual(peerCredentialOf({}, socket), {});
    assert.equal(socket.calls, 0);
  });

  test('with both, the certificate and the token are passed; the certificate is the stronger proof', () => {
    const der = Buffer.from('02', 'hex');
    assert.deepEqual(peerCredentialOf({ authorization: 'bearer  t0k ' }, fakeSocket(der)), {
      certFingerprint: sha256(der),
      bearerToken: 't0k',
    });
  });

  test('a verified connection without a certificate and without a token has no credential', () => {
    const socket = fakeSocket(undefined);
    assert.deepEqual(peerCredentialOf({}, socket), {});
    assert.deepEqual(peerCredentialOf({}, socket), {});
    assert.equal(socket.calls, 1);
  });
});
