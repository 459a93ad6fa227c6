// Registering network and application servers over REST, against embedded mode, as a new user (or a hostile
// tenant) would (issue 22 items 1, 5, 12, 13, 14): what comes back pastes into the real products, and what must not
// be registered is refused with a clear {error:{code,message}}.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loopbackEmbeddedEnv, startEmbedded, type RunningEmbedded } from '@joinery/joinery';
import { captureLogs } from '@joinery/logging';

interface Registered {
  id: string;
  appSKeyDelivery: string;
  product: string | null;
  kek: { label: string; key: string };
  credentials: { caCertPem: string; clientCertPem: string; clientKeyPem: string };
  warnings: { code: string; message: string }[];
}

const env = loopbackEmbeddedEnv;

async function call(running: RunningEmbedded, token: string, path: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${running.apiPort}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function ownerToken(running: RunningEmbedded, name: string): Promise<{ id: string; apiKey: string }> {
  const { status, body } = await call(running, running.adminToken, '/api/v1/accounts', { name });
  assert.equal(status, 201);
  return body as unknown as { id: string; apiKey: string };
}

describe('peer registration over REST (embedded mode)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-peers-'));
  let running: RunningEmbedded;
  let owner: { id: string; apiKey: string };
  before(async () => {
    running = await startEmbedded(env(dataDir), captureLogs().logger);
    owner = await ownerToken(running, 'owner');
  });
  after(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const registerNs = (body: Record<string, unknown>) =>
    call(running, owner.apiKey, '/api/v1/network-servers', { name: 'ns', netId: '00000A', ...body });

  test('every PEM of the answer ends with a newline, so ChirpStack reads tls_cert + tls_key', async () => {
    const { status, body } = await registerNs({ netId: '000010' });
    assert.equal(status, 201);
    const { credentials } = body as unknown as Registered;
    for (const pem of [credentials.caCertPem, credentials.clientCertPem, credentials.clientKeyPem])
      assert.ok(pem.endsWith('-----\n'), JSON.stringify(pem.slice(-30)));
    assert.match(
      credentials.clientCertPem + credentials.clientKeyPem,
      /-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----/,
    );
  });

  test('ChirpStack: plaintext AppSKey unless asked otherwise, and a warning when asked otherwise', async () => {
    const chosen = (await registerNs({ netId: '000011', product: 'chirpstack' }))
      .body as unknown as Registered;
    assert.equal(chosen.appSKeyDelivery, 'plaintext');
    assert.equal(chosen.product, 'chirpstack');
    assert.deepEqual(chosen.warnings, []);
    const wrapped = await registerNs({ netId: '000012', product: 'chirpstack', appSKeyDelivery: 'wrapped' });
    assert.equal(wrapped.status, 201);
    const answer = wrapped.body as unknown as Registered;
    assert.equal(answer.appSKeyDelivery, 'wrapped');
    assert.deepEqual(
      answer.warnings.map((w) => w.code),
      ['chirpstack_no_payload_decryption'],
    );
    assert.ok((answer.warnings[0]?.message ?? '').length > 20);
    const unsaid = (await registerNs({ netId: '000013' })).body as unknown as Registered;
    assert.equal(unsaid.appSKeyDelivery, 'wrapped');
    assert.equal(unsaid.product, null);
  });

  test('an asyncUrl at a loopback or private address is refused with a clear error; a public one is not', async () => {
    for (const asyncUrl of [
      'https://127.0.0.1:8090/',
      'http://169.254.169.254/',
      'https://[::1]/',
      'https://localhost/',
    ]) {
      const { status, body } = await registerNs({ netId: '000014', asyncUrl });
      assert.equal(status, 400, asyncUrl);
      const error = body['error'] as { code: string; message: string };
      assert.equal(error.code, 'invalid_argument');
      assert.match(error.message, /JOINERY_ALLOW_PRIVATE_ASYNC_URLS/);
    }
    const ok = await registerNs({
      netId: '000014',
      asyncUrl: 'https://ns.example.com/async',
      asyncCaPem: running.caCertPem,
    });
    assert.equal(ok.status, 201);
  });

  test('an owner’s KEK label cannot be the operator’s storage label', async () => {
    const { body } = await registerNs({ netId: '000015', kekLabel: 'joinery-keys-storage-2' });
    const label = (body as unknown as Registered).kek.label;
    assert.equal(label, `acct-${Buffer.from(owner.id).toString('hex')}/joinery-keys-storage-2`);
  });

  test('an AS-ID that is a JoinEUI does not become a certificate CN', async () => {
    const { status, body } = await call(running, owner.apiKey, '/api/v1/application-servers', {
      name: 'as',
      asId: '70B3D57ED0000000',
    });
    assert.equal(status, 201);
    const cert = new X509Certificate((body as unknown as Registered).credentials.clientCertPem);
    assert.match(cert.subject, /^CN=as:70B3D57ED0000000$/m);
  });
});

test('embedded mode with JOINERY_ALLOW_PRIVATE_ASYNC_URLS=true registers a loopback asyncUrl (lab set-ups)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-peers-lab-'));
  const running = await startEmbedded(
    env(dataDir, { JOINERY_ALLOW_PRIVATE_ASYNC_URLS: 'true' }),
    captureLogs().logger,
  );
  try {
    const owner = await ownerToken(running, 'lab');
    const { status } = await call(running, owner.apiKey, '/api/v1/network-servers', {
      name: 'lab-ns',
      netId: '00000A',
      asyncUrl: 'https://127.0.0.1:8090/async',
    });
    assert.equal(status, 201);
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
