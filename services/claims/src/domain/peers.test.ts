import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { admin, createHarness, networkServerInput, rejectsWith, type Harness } from '../testing/harness.js';
import { claimsErrors } from './errors.js';
import { defaultKekLabel, type RegisterApplicationServerInput } from './peers.js';
import type { Principal } from './model.js';

const nsInput = networkServerInput;

const asInput = (
  overrides: Partial<RegisterApplicationServerInput> = {},
): RegisterApplicationServerInput => ({
  accountId: null,
  name: 'as',
  asId: 'as.example.com',
  kekLabel: null,
  ...overrides,
});

async function owner(h: Harness, name: string): Promise<Principal> {
  const { apiKey } = await h.claims.accounts.createAccount(admin, name);
  return h.claims.accounts.authenticate(apiKey);
}

describe('issued credentials', () => {
  test('every PEM of a registration (and of a reissue) ends with a newline and parses', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const ns = await h.claims.peers.registerNetworkServer(x, nsInput());
    const as = await h.claims.peers.registerApplicationServer(x, asInput());
    const reissued = await h.claims.peers.revokeCredentials(x, ns.peer.id, true);
    for (const c of [ns.credentials, as.credentials, reissued]) {
      assert.ok(c !== null);
      for (const pem of [c.caCertPem, c.clientCertPem, c.clientKeyPem])
        assert.ok(pem.endsWith('-----\n'), pem.slice(-30));
      assert.ok(new X509Certificate(c.clientCertPem).checkIssued(new X509Certificate(c.caCertPem)));
      assert.match(
        c.clientCertPem + c.clientKeyPem,
        /^-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----$/m,
      );
    }
  });
});

/** The subject attribute `key` of a certificate (node prints the subject one attribute per line). */
const attribute = (cert: X509Certificate, key: string) =>
  cert.subject
    .split('\n')
    .find((line) => line.startsWith(`${key}=`))
    ?.slice(key.length + 1);

/** How ChirpStack v3 reads an asynchronous answer's SenderID as a JoinEUI (lorawan.EUI64.UnmarshalText). */
const chirpStackV3ReadsAsEui = (senderId: string) => /^(0x)?[0-9a-f]{16}$/i.test(senderId);

describe('certificate names', () => {
  test('an AS whose AS-ID looks like a JoinEUI never gets a certificate a receiver takes for Joinery’s answers', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const joineryOwn = new X509Certificate(
      (await h.claims.gateway.issueAsyncClientCertificate('70B3D57ED0000000')).certPem,
    );
    for (const asId of [
      '70B3D57ED0000000',
      '70b3d57ed0000000',
      '0x70B3D57ED0000000',
      '70-B3-D5-7E-D0-00-00-00',
    ]) {
      const reg = await h.claims.peers.registerApplicationServer(x, asInput({ asId, name: asId }));
      assert.equal(reg.peer.asId, asId);
      const cert = new X509Certificate(reg.credentials.clientCertPem);
      const cn = attribute(cert, 'CN') ?? '';
      // ChirpStack v3 accepts an answer whose client certificate chains to the CA it trusts and whose CN is the
      // SenderID; a SenderID must read as a JoinEUI. No SenderID can equal this CN.
      assert.equal(cn, `as:${asId}`);
      assert.equal(chirpStackV3ReadsAsEui(cn), false);
      assert.notEqual(attribute(cert, 'O'), attribute(joineryOwn, 'O'));
    }
    assert.equal(attribute(joineryOwn, 'CN'), '70B3D57ED0000000');
    assert.equal(attribute(joineryOwn, 'OU'), 'join-server');
  });

  test('a reissued AS certificate is named the same way', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const reg = await h.claims.peers.registerApplicationServer(x, asInput({ asId: '70B3D57ED0000000' }));
    const fresh = await h.claims.peers.revokeCredentials(x, reg.peer.id, true);
    assert.equal(attribute(new X509Certificate(fresh?.clientCertPem ?? ''), 'CN'), 'as:70B3D57ED0000000');
  });
});

describe('KEK labels', () => {
  test('every label is lower case, as The Things Stack’s key vault reads it (viper lower-cases keys)', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const labels = [
      (await h.claims.peers.registerNetworkServer(x, nsInput({}))).kek.label,
      (await h.claims.peers.registerApplicationServer(x, asInput({}))).kek.label,
      (await h.claims.peers.registerNetworkServer(x, nsInput({ kekLabel: 'My-TTS:Kek' }))).kek.label,
    ];
    for (const label of labels) assert.equal(label, label.toLowerCase(), label);
    assert.match(labels[0] ?? '', /^ns-[0-9a-f]{18}$/);
    assert.match(labels[1] ?? '', /^as-[0-9a-f]{18}$/);
    assert.ok(labels[2]?.endsWith('/my-tts:kek'));
    assert.equal(new Set(labels).size, 3);
  });

  const namespaceOf = (accountId: string | null) =>
    `acct-${Buffer.from(accountId ?? '', 'utf8').toString('hex')}/`;

  test('an owner’s label lives in the account’s namespace: the operator’s storage label stays free', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const ns = await h.claims.peers.registerNetworkServer(x, nsInput({ kekLabel: 'joinery-keys-storage-2' }));
    assert.equal(ns.kek.label, `${namespaceOf(x.accountId)}joinery-keys-storage-2`);
    assert.equal(ns.peer.kekLabel, ns.kek.label);
    assert.equal(h.keys.keks.get(ns.kek.label), 'peer');
    assert.equal(h.keys.keks.has('joinery-keys-storage-2'), false);
    // The operator's next storage KEK can still be made, and is not the owner's.
    assert.equal((await h.keys.createKek('joinery-keys-storage-2', 'transport')).length, 16);
    const as = await h.claims.peers.registerApplicationServer(x, asInput({ kekLabel: 'mfg-transport' }));
    assert.equal(as.kek.label, `${namespaceOf(x.accountId)}mfg-transport`);
  });

  test('two tenants choosing the same label get two KEKs; neither can name the other’s', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const y = await owner(h, 'y');
    const ofY = await h.claims.peers.registerNetworkServer(y, nsInput({ kekLabel: 'chirpstack' }));
    const ofX = await h.claims.peers.registerNetworkServer(x, nsInput({ kekLabel: 'chirpstack' }));
    assert.notEqual(ofX.kek.label, ofY.kek.label);
    assert.notDeepEqual(ofX.kek.key, ofY.kek.key);
    for (const label of [ofY.kek.label, `${namespaceOf(y.accountId)}other`, 'acct-00/x', 'a/b'])
      await rejectsWith(
        h.claims.peers.registerNetworkServer(x, nsInput({ kekLabel: label })),
        claimsErrors.invalid_argument.code,
      );
    // Y's default label, chosen by X, is X's own label.
    const defaultOfY = defaultKekLabel(ofY.peer.id);
    const squat = await h.claims.peers.registerApplicationServer(x, asInput({ kekLabel: defaultOfY }));
    assert.equal(squat.kek.label, `${namespaceOf(x.accountId)}${defaultOfY}`);
    const listed = await h.claims.peers.listPeers(y, null, null);
    assert.deepEqual(
      listed.map((p) => p.kekLabel),
      [ofY.kek.label],
    );
  });

  test('an admin registering for an account uses that account’s namespace; defaults are unchanged', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const byAdmin = await h.claims.peers.registerNetworkServer(
      admin,
      nsInput({ accountId: x.accountId, kekLabel: 'lab' }),
    );
    assert.equal(byAdmin.kek.label, `${namespaceOf(x.accountId)}lab`);
    const plain = await h.claims.peers.registerNetworkServer(x, nsInput());
    assert.equal(plain.kek.label, defaultKekLabel(plain.peer.id));
    await rejectsWith(
      h.claims.peers.registerNetworkServer(x, nsInput({ kekLabel: 'x'.repeat(65) })),
      claimsErrors.invalid_argument.code,
    );
  });
});

describe('asyncUrl', () => {
  test('loopback, private and local callback URLs are refused by default, and nothing is registered', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    for (const asyncUrl of [
      'https://127.0.0.1:8090/async',
      'http://2130706433/',
      'http://0x7f.1/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::1]/',
      'https://10.0.0.7/',
      'http://169.254.169.254/latest',
      'https://[fe80::1]/',
      'https://224.0.0.1/',
      'https://0.0.0.0/',
      'https://localhost:8090/',
      'https://redis:6379/',
    ])
      await assert.rejects(
        h.claims.peers.registerNetworkServer(x, nsInput({ asyncUrl })),
        (err: unknown) =>
          JoineryError.is(err, claimsErrors.invalid_argument.code) && err.details['field'] === 'async_url',
        asyncUrl,
      );
    assert.deepEqual(await h.claims.peers.listPeers(x, null, null), []);
    assert.equal(h.keys.keks.size, 0);
    const ok = await h.claims.peers.registerNetworkServer(
      x,
      nsInput({ asyncUrl: 'https://ns.example.com/async' }),
    );
    assert.equal(ok.peer.asyncUrl, 'https://ns.example.com/async');
  });

  test('the operator switch allows private callback URLs (lab set-ups)', async () => {
    const h = await createHarness({ allowPrivateAsyncUrls: true });
    const x = await owner(h, 'x');
    const reg = await h.claims.peers.registerNetworkServer(
      x,
      nsInput({ asyncUrl: 'https://127.0.0.1:8090/async' }),
    );
    assert.equal(reg.peer.asyncUrl, 'https://127.0.0.1:8090/async');
  });
});

describe('callback CA', () => {
  test('an NS may register the CA of its callback server; it is stored and handed to the gateway', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const ca = (await h.claims.gateway.issueServerCertificate(['ns.example.com'])).caCertPem;
    const reg = await h.claims.peers.registerNetworkServer(
      x,
      nsInput({ asyncUrl: 'https://ns.example.com/async', asyncCaPem: ca.trimEnd() }),
    );
    assert.equal(reg.peer.asyncCaPem, new X509Certificate(ca).toString());
    assert.ok(reg.peer.asyncCaPem?.endsWith('-----\n'));
    const plain = await h.claims.peers.registerNetworkServer(x, nsInput({ netId: '000014' }));
    assert.equal(plain.peer.asyncCaPem, null);
  });

  test('anything but PEM certificates is refused, and a pasted private key is never echoed', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const issued = await h.claims.gateway.issueServerCertificate(['ns.example.com']);
    const url = 'https://ns.example.com/async';
    for (const [asyncCaPem, asyncUrl] of [
      [issued.keyPem, url],
      [issued.certPem + issued.keyPem, url],
      ['not a certificate', url],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', url],
      [`junk\n${issued.caCertPem}`, url],
      [issued.caCertPem, null],
      [issued.caCertPem, 'http://ns.example.com/async'],
    ] as const) {
      let caught: unknown;
      try {
        await h.claims.peers.registerNetworkServer(x, nsInput({ asyncUrl, asyncCaPem }));
      } catch (err) {
        caught = err;
      }
      assert.ok(JoineryError.is(caught, claimsErrors.invalid_argument.code), String(caught));
      assert.equal(caught.details['field'], 'async_ca_pem');
      assert.ok(!JSON.stringify({ m: caught.message, d: caught.details }).includes('PRIVATE'));
    }
    assert.deepEqual(await h.claims.peers.listPeers(x, null, null), []);
  });
});

describe('product', () => {
  test('ChirpStack without a delivery choice gets a plaintext AppSKey, so ChirpStack decrypts payloads', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    const reg = await h.claims.peers.registerNetworkServer(x, nsInput({ product: 'chirpstack' }));
    assert.equal(reg.peer.appSKeyDelivery, 'plaintext');
    assert.equal(reg.peer.product, 'chirpstack');
    assert.deepEqual(reg.warnings, []);
    const other = await h.claims.peers.registerNetworkServer(x, nsInput({ netId: '000014' }));
    assert.equal(other.peer.appSKeyDelivery, 'wrapped');
    assert.equal(other.peer.product, null);
    assert.deepEqual(other.warnings, []);
  });

  test('ChirpStack with a wrapped AppSKey or a SessionKeyID is registered as asked, with a warning', async () => {
    const h = await createHarness();
    const x = await owner(h, 'x');
    for (const [i, appSKeyDelivery] of (['wrapped', 'session-key-id'] as const).entries()) {
      const reg = await h.claims.peers.registerNetworkServer(
        x,
        nsInput({ netId: `00001${i}`, product: 'chirpstack', appSKeyDelivery }),
      );
      assert.equal(reg.peer.appSKeyDelivery, appSKeyDelivery);
      assert.deepEqual(
        reg.warnings.map((w) => w.code),
        ['chirpstack_no_payload_decryption'],
      );
    }
    const tts = await h.claims.peers.registerNetworkServer(
      x,
      nsInput({ netId: '000019', product: 'the-things-stack', appSKeyDelivery: 'wrapped' }),
    );
    assert.deepEqual(tts.warnings, []);
    await rejectsWith(
      h.claims.peers.registerNetworkServer(x, nsInput({ product: 'loriot' as never })),
      claimsErrors.invalid_argument.code,
    );
  });
});
