import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import * as x509 from '@peculiar/x509';
import { claimsErrors } from '../../domain/errors.js';
import { LmdbKv } from '../embedded/lmdb-kv.js';
import type { KvBackend } from '../kv/kv-backend.js';
import { KvClaimsStore } from '../kv/kv-claims-store.js';
import { MemoryKv } from '../memory/memory-kv.js';
import { CaKeySeal } from './ca-key-seal.js';
import { generateCa, sealCaRecord, X509CertificateAuthority } from './certificate-authority.js';

const root = mkdtempSync(join(tmpdir(), 'claims-ca-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const backends: [string, () => KvBackend][] = [
  ['memory', () => new MemoryKv()],
  ['lmdb', () => new LmdbKv(join(root, `db-${(n += 1)}`))],
];

const newSeal = (source: string) => new CaKeySeal(randomBytes(32), source);
const fingerprintOf = (certPem: string) =>
  createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
const rawCa = async (kv: KvBackend) => (await kv.get('ca')) ?? '';
const parsed = (raw: string) => JSON.parse(raw) as Record<string, string>;

/** A client certificate issued by `ca` and verified against `caCertPem` with node:crypto. */
async function issuesUnder(ca: X509CertificateAuthority, caCertPem: string): Promise<boolean> {
  const issued = await ca.issueClientCertificate({ commonName: '000013' });
  const cert = new X509Certificate(issued.certPem);
  const issuer = new X509Certificate(caCertPem);
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

for (const [name, backend] of backends) {
  describe(`the CA over ${name}`, () => {
    test('first open creates a CA whose record holds the certificate and a v1 seal, never the key', async () => {
      const kv = backend();
      const store = new KvClaimsStore(kv);
      const seal = newSeal('seal-a');
      try {
        const ca = await X509CertificateAuthority.open(store, seal);
        assert.equal(ca.origin, 'created');
        const raw = await rawCa(kv);
        const record = parsed(raw);
        assert.deepEqual(Object.keys(record).sort(), ['certPem', 'keySealed']);
        assert.equal(record['certPem'], ca.caCertPem());
        assert.equal(ca.fingerprintSha256, fingerprintOf(ca.caCertPem()));
        assert.match(record['keySealed'] ?? '', /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
        assert.ok(!raw.includes('PRIVATE KEY'), 'a PEM private key in the record');
        assert.ok(!(record['keySealed'] ?? '').includes('-----'), 'PEM in keySealed');
        const pkcs8 = Buffer.from(seal.unseal(record['keySealed'] ?? '', ca.fingerprintSha256));
        assert.ok(!raw.includes(pkcs8.toString('base64')) && !raw.includes(pkcs8.toString('hex')));
        assert.ok(!raw.includes(pkcs8.subarray(-32).toString('base64')), 'the key bytes in the record');
        assert.equal(await issuesUnder(ca, ca.caCertPem()), true);

        const reopened = await X509CertificateAuthority.open(store, seal);
        assert.equal(reopened.origin, 'stored');
        assert.equal(reopened.caCertPem(), ca.caCertPem());
        assert.equal(await rawCa(kv), raw);
        assert.equal(await issuesUnder(reopened, ca.caCertPem()), true);
      } finally {
        await store.close();
      }
    });

    test('another seal key fails the open with claims:ca_unseal_failed and leaves the record as it is', async () => {
      const kv = backend();
      const store = new KvClaimsStore(kv);
      const keyB = randomBytes(32);
      try {
        await X509CertificateAuthority.open(store, newSeal('seal-a'));
        const before = await rawCa(kv);
        let caught: unknown;
        try {
          await X509CertificateAuthority.open(store, new CaKeySeal(keyB, '/data/other-seal.key'));
        } catch (err) {
          caught = err;
        }
        assert.ok(JoineryError.is(caught, claimsErrors.ca_unseal_failed.code), String(caught));
        assert.equal(caught.details['file'], '/data/other-seal.key');
        assert.ok(!`${String(caught)} ${JSON.stringify(caught)}`.includes(keyB.toString('hex')));
        assert.equal(await rawCa(kv), before);
      } finally {
        await store.close();
      }
    });
  });
}

test('a sealed key moved next to another certificate does not open', async () => {
  const kv = new MemoryKv();
  const seal = newSeal('seal-a');
  const a = sealCaRecord(await generateCa(), seal);
  const b = sealCaRecord(await generateCa(), seal);
  const swapped = JSON.stringify({ certPem: a.certPem, keySealed: b.keySealed });
  await kv.put('ca', swapped);
  await assert.rejects(
    X509CertificateAuthority.open(new KvClaimsStore(kv), seal),
    (err: unknown) =>
      JoineryError.is(err, claimsErrors.ca_unseal_failed.code) &&
      err.details['reason'] === 'authentication_failed',
  );
  assert.equal(await rawCa(kv), swapped);
});

test('racing first starts agree on one CA', async () => {
  const seal = newSeal('seal-a');
  const fresh = new KvClaimsStore(new MemoryKv());
  const created = await Promise.all(
    Array.from({ length: 4 }, () => X509CertificateAuthority.open(fresh, seal)),
  );
  assert.equal(new Set(created.map((ca) => ca.caCertPem())).size, 1);
  assert.deepEqual(created.map((ca) => ca.origin).sort(), ['created', 'stored', 'stored', 'stored']);
});

test('every PEM the CA hands out ends with a newline and parses, alone and as ChirpStack reads cert + key', async () => {
  const kv = new MemoryKv();
  // A record written before PEMs were terminated: its certificate is handed out with the newline too.
  const seal = newSeal('seal-a');
  const record = sealCaRecord(await generateCa(), seal);
  await kv.put('ca', JSON.stringify({ ...record, certPem: record.certPem.trimEnd() }));
  const ca = await X509CertificateAuthority.open(new KvClaimsStore(kv), seal);
  const issued = [
    await ca.issueClientCertificate({ commonName: '000013' }),
    await ca.issueJoinServerClientCertificate('70B3D57ED0000001'),
    await ca.issueServerCertificate(['joinery.example']),
  ];
  const pems = [ca.caCertPem(), ...issued.flatMap((c) => [c.certPem, c.keyPem])];
  for (const pem of pems) {
    assert.ok(pem.endsWith('-----\n'), JSON.stringify(pem.slice(-20)));
    assert.equal(x509.PemConverter.decode(pem).length, 1);
  }
  for (const c of issued) {
    // ChirpStack concatenates tls_cert and tls_key into one buffer and looks for both blocks in it.
    const bundle = c.certPem + c.keyPem;
    assert.match(bundle, /^-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----$/m);
    assert.equal(x509.PemConverter.decode(bundle).length, 2);
    assert.ok(new X509Certificate(c.certPem).checkIssued(new X509Certificate(ca.caCertPem())));
  }
});

test('a peer certificate whose CN reads as a JoinEUI is refused: that name is Joinery’s own', async () => {
  const ca = await X509CertificateAuthority.open(new KvClaimsStore(new MemoryKv()), newSeal('seal-a'));
  for (const commonName of [
    '70B3D57ED0000000',
    '70b3d57ed0000000',
    '0x70B3D57ED0000000',
    '70:B3:D5:7E:D0:00:00:00',
  ])
    await assert.rejects(
      ca.issueClientCertificate({ commonName, organizationalUnit: 'as' }),
      (err: unknown) => JoineryError.is(err, claimsErrors.invalid_argument.code),
    );
  const ns = new X509Certificate((await ca.issueClientCertificate({ commonName: '000013' })).certPem);
  assert.match(ns.subject, /^CN=000013$/m);
});
