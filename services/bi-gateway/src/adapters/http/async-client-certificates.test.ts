import { JoineryError } from '@joinery/errors';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncClientCertificates } from './async-client-certificates.js';

function fakeClaims(fail: { value: boolean } = { value: false }) {
  const asked: string[] = [];
  return {
    asked,
    claims: {
      async issueAsyncClientCertificate(request: { joinEui?: Uint8Array }) {
        const eui = Buffer.from(request.joinEui ?? [])
          .toString('hex')
          .toUpperCase();
        asked.push(eui);
        if (fail.value) throw new JoineryError('grpc:unavailable', 'unavailable', 'claims down');
        return { certPem: `cert ${eui} #${asked.length}`, keyPem: `key ${eui}`, caCertPem: 'ca' };
      },
    } as unknown as ConstructorParameters<typeof AsyncClientCertificates>[0],
  };
}

test('one certificate per JoinEUI, asked for once and then remembered', async () => {
  const { claims, asked } = fakeClaims();
  const certs = new AsyncClientCertificates(claims);
  const [a, b] = await Promise.all([certs.for('70B3D57ED0000001'), certs.for('70B3D57ED0000001')]);
  const other = await certs.for('70B3D57ED0000002');
  assert.equal(a.certPem, 'cert 70B3D57ED0000001 #1');
  assert.deepEqual(b, a);
  assert.equal(other.certPem, 'cert 70B3D57ED0000002 #2');
  assert.deepEqual(asked, ['70B3D57ED0000001', '70B3D57ED0000002']);
});

test('after maxAgeMs a new certificate is issued', async () => {
  const { claims, asked } = fakeClaims();
  let now = 0;
  const certs = new AsyncClientCertificates(claims, { maxAgeMs: 1000, now: () => now });
  await certs.for('70B3D57ED0000001');
  now = 999;
  await certs.for('70B3D57ED0000001');
  now = 1000;
  assert.equal((await certs.for('70B3D57ED0000001')).certPem, 'cert 70B3D57ED0000001 #2');
  assert.equal(asked.length, 2);
});

test('a failed issue is not remembered: the next answer asks again', async () => {
  const fail = { value: true };
  const { claims, asked } = fakeClaims(fail);
  const certs = new AsyncClientCertificates(claims);
  await assert.rejects(certs.for('70B3D57ED0000001'), /claims down/);
  fail.value = false;
  assert.equal((await certs.for('70B3D57ED0000001')).keyPem, 'key 70B3D57ED0000001');
  assert.equal(asked.length, 2);
});

test('bounded: past maxEntries the oldest JoinEUI is forgotten', async () => {
  const { claims, asked } = fakeClaims();
  const certs = new AsyncClientCertificates(claims, { maxEntries: 2 });
  for (const eui of ['70B3D57ED0000001', '70B3D57ED0000002', '70B3D57ED0000003']) await certs.for(eui);
  await certs.for('70B3D57ED0000003');
  await certs.for('70B3D57ED0000001');
  assert.deepEqual(asked, ['70B3D57ED0000001', '70B3D57ED0000002', '70B3D57ED0000003', '70B3D57ED0000001']);
});
