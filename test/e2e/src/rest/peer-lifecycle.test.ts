// Network and application servers after registration, over REST: read, change, rotate, revoke, and the one-time
// credentials bundle. Every route answers another account's server exactly as an unknown one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { credentialFiles } from '@joinery/peer-bundle';
import { adminToken, biPublicUrl, startInProcessApi, type InProcessApi } from './in-process-api.js';

interface Registered {
  id: string;
  kek: { label: string; key: string };
  bearerToken: string;
  credentials: { clientCertPem: string };
  bundle: { url: string; expiresAt: string } | null;
}

const errorCode = (body: unknown) => (body as { error: { code: string } }).error.code;

describe('REST: the life of a network server and an application server', () => {
  let api: InProcessApi;
  let owner: string;
  let stranger: string;
  let ns: Registered;
  let as: Registered;
  const zip = async (token: string, url: string) => {
    const res = await api.console.http.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
    });
    return res;
  };

  before(async () => {
    api = await startInProcessApi();
    owner = (await api.createAccount('owner')).apiKey;
    stranger = (await api.createAccount('stranger')).apiKey;
    const batch = await api.call(adminToken, 'POST', '/api/v1/device-batches', {
      joinEui: '70B3D57ED0000000',
      devices: [
        {
          devEui: '00E0000000000001',
          macVersion: '1.0.3',
          nwkKey: '2B7E151628AED2A6ABF7158809CF4F3C',
          claimCode: 'CODE0001',
        },
      ],
    });
    assert.equal(batch.status, 201);
    const registered = await api.call(owner, 'POST', '/api/v1/network-servers', {
      name: 'tts',
      netId: '000013',
      nsId: '00005EEF00000001',
      product: 'the-things-stack',
    });
    assert.equal(registered.status, 201);
    ns = registered.body as Registered;
    as = (
      await api.call(owner, 'POST', '/api/v1/application-servers', { name: 'app', asId: 'app.example.net' })
    ).body as Registered;
    const claimed = await api.call(owner, 'POST', '/api/v1/claims', {
      devEui: '00E0000000000001',
      claimCode: 'CODE0001',
      networkServerId: ns.id,
    });
    assert.equal(claimed.status, 201);
  });
  after(() => api.close());

  test('the registration answer links its bundle: one zip with the CLI’s files, downloadable once', async () => {
    assert.ok(ns.bundle !== null);
    assert.match(ns.bundle.url, new RegExp(`^/api/v1/network-servers/${ns.id}/bundles/`));
    assert.ok(Date.parse(ns.bundle.expiresAt) - Date.now() > 59 * 60_000);
    const res = await zip(owner, `${ns.bundle.url}?dir=/opt/joinery`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/zip');
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const text = (name: string) => Buffer.from(files[name] ?? new Uint8Array()).toString('utf8');
    for (const name of credentialFiles.filter(
      (n) =>
        !n.startsWith('application') && !n.endsWith('chirpstack.toml') && n !== 'the-things-stack/config.yml',
    ))
      assert.ok(files[name] !== undefined, `${name} in the archive`);
    assert.equal(text('kek'), `${ns.kek.label} ${ns.kek.key}\n`);
    assert.equal(text('bearer-token'), `${ns.bearerToken}\n`);
    assert.equal(
      text('client.pem'),
      ns.credentials.clientCertPem.endsWith('\n')
        ? ns.credentials.clientCertPem
        : `${ns.credentials.clientCertPem}\n`,
    );
    const meta = JSON.parse(text('network-server.json')) as Record<string, unknown>;
    assert.deepEqual(
      [meta['id'], meta['biUrl'], meta['joinEuiPrefixes'], meta['protocol']],
      [ns.id, biPublicUrl, ['70B3D57ED0000000/64'], 'BI1.1'],
    );
    assert.match(text('chirpstack/joinery.toml'), /^ca_cert="\/opt\/joinery\/ca\.pem"$/m);
    const again = await zip(owner, ns.bundle.url);
    assert.equal(again.statusCode, 410);
    assert.equal(errorCode(again.json()), 'bundle_gone');
  });

  test('the AS bundle holds its own configuration', async () => {
    assert.ok(as.bundle !== null);
    const res = await zip(owner, `${as.bundle.url}?joinEuiPrefixes=70B3D57ED0000000/56`);
    assert.equal(res.statusCode, 200, res.body);
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const meta = JSON.parse(
      Buffer.from(files['application-server.json'] ?? new Uint8Array()).toString(),
    ) as Record<string, unknown>;
    assert.deepEqual([meta['asId'], meta['joinEuiPrefixes']], ['app.example.net', ['70B3D57ED0000000/56']]);
  });

  test('GET and PATCH: settings change with the validation of registration, the SSRF policy included', async () => {
    const got = await api.call(owner, 'GET', `/api/v1/network-servers/${ns.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(
      [
        (got.body as Record<string, unknown>)['product'],
        (got.body as Record<string, unknown>)['overlapUntil'],
      ],
      ['the-things-stack', null],
    );
    const patched = await api.call(owner, 'PATCH', `/api/v1/network-servers/${ns.id}`, {
      name: 'tts-eu1',
      lifetime: 7200,
      asyncUrl: 'https://tts.example.net/api/v3/as/js',
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const peer = (patched.body as { peer: Record<string, unknown> }).peer;
    assert.deepEqual(
      [peer['name'], peer['lifetime'], peer['asyncUrl']],
      ['tts-eu1', 7200, 'https://tts.example.net/api/v3/as/js'],
    );
    for (const body of [
      { asyncUrl: 'https://169.254.169.254/latest/meta-data' },
      { asyncUrl: 'http://[::1]:8080/' },
      { asyncUrl: 'https://printer.local/' },
      { name: '' },
      { lifetime: -5 },
      { netId: '000014' },
      {},
    ]) {
      const res = await api.call(owner, 'PATCH', `/api/v1/network-servers/${ns.id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    const cleared = await api.call(owner, 'PATCH', `/api/v1/network-servers/${ns.id}`, { asyncUrl: null });
    assert.equal((cleared.body as { peer: Record<string, unknown> }).peer['asyncUrl'], null);
    assert.equal(
      (await api.call(owner, 'PATCH', `/api/v1/application-servers/${as.id}`, { lifetime: 1 })).status,
      400,
    );
    assert.equal(
      (await api.call(owner, 'PATCH', `/api/v1/application-servers/${as.id}`, { name: 'app2' })).status,
      200,
    );
    // A path of the other kind is an unknown peer.
    const wrongKind = await api.call(owner, 'GET', `/api/v1/application-servers/${ns.id}`);
    assert.equal(wrongKind.status, 404);
    assert.equal(errorCode(wrongKind.body), 'unknown_peer');
  });

  test('rotation: new certificate, token and KEK shown once, overlapUntil, and a bundle of its own', async () => {
    const res = await api.call(owner, 'POST', `/api/v1/network-servers/${ns.id}/rotations`, {
      overlapSeconds: 600,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const r = res.body as Registered & { overlapUntil: string; netId: string };
    assert.equal(r.kek.label, `${ns.kek.label}-r1`);
    assert.notEqual(r.bearerToken, ns.bearerToken);
    assert.notEqual(r.credentials.clientCertPem, ns.credentials.clientCertPem);
    assert.equal(r.netId, '000013');
    assert.ok(Math.abs(Date.parse(r.overlapUntil) - Date.now() - 600_000) < 5000);
    const shown = (await api.call(owner, 'GET', `/api/v1/network-servers/${ns.id}`)).body as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      [shown['kekLabel'], shown['previousKekLabel'], shown['overlapUntil']],
      [r.kek.label, ns.kek.label, r.overlapUntil],
    );
    assert.ok(r.bundle !== null);
    const files = unzipSync(new Uint8Array((await zip(owner, r.bundle.url)).rawPayload));
    assert.equal(Buffer.from(files['kek'] ?? new Uint8Array()).toString(), `${r.kek.label} ${r.kek.key}\n`);
    for (const body of [{ overlapSeconds: -1 }, { overlapSeconds: 604_801 }, { overlap: 5 }])
      assert.equal(
        (await api.call(owner, 'POST', `/api/v1/network-servers/${ns.id}/rotations`, body)).status,
        400,
      );
    const asRotation = await api.call(owner, 'POST', `/api/v1/application-servers/${as.id}/rotations`);
    assert.equal(asRotation.status, 201, JSON.stringify(asRotation.body));
  });

  test("another account's servers and bundles: the answer an unknown id gets, and nothing changes", async () => {
    const fresh = (
      await api.call(owner, 'POST', `/api/v1/network-servers/${ns.id}/rotations`, { overlapSeconds: 0 })
    ).body as Registered;
    const bundleUrl = fresh.bundle?.url ?? '';
    const bundleId = bundleUrl.split('/').pop() ?? '';
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/v1/network-servers/{id}'],
      ['PATCH', '/api/v1/network-servers/{id}', { name: 'mine now' }],
      ['POST', '/api/v1/network-servers/{id}/rotations', {}],
      ['DELETE', '/api/v1/network-servers/{id}'],
      ['GET', `/api/v1/network-servers/{id}/bundles/${bundleId}`],
      ['GET', '/api/v1/application-servers/{id}'],
      ['DELETE', '/api/v1/application-servers/{id}'],
    ];
    for (const [method, path, body] of routes) {
      const id = path.startsWith('/api/v1/network-servers') ? ns.id : as.id;
      const theirs = await api.call(stranger, method as 'GET', path.replace('{id}', id), body);
      const unknown = await api.call(
        stranger,
        method as 'GET',
        path.replace('{id}', 'ns_doesnotexist'),
        body,
      );
      assert.equal(theirs.status, 404, `${method} ${path}`);
      assert.deepEqual(theirs.body, unknown.body, `${method} ${path}`);
    }
    // The owner's unknown bundle id is unknown_bundle; the owner's real one still downloads once.
    const none = await zip(owner, `/api/v1/network-servers/${ns.id}/bundles/bndl_nope`);
    assert.equal(errorCode(none.json()), 'unknown_bundle');
    assert.equal((await zip(owner, bundleUrl)).statusCode, 200);
    const still = (await api.call(owner, 'GET', `/api/v1/network-servers/${ns.id}`)).body as Record<
      string,
      unknown
    >;
    assert.equal(still['name'], 'tts-eu1');
  });

  test('DELETE revokes: the server is gone from the API and refused for claims', async () => {
    assert.equal((await api.call(owner, 'DELETE', `/api/v1/application-servers/${as.id}`)).status, 204);
    assert.equal((await api.call(owner, 'GET', `/api/v1/application-servers/${as.id}`)).status, 404);
    const listed = (await api.call(owner, 'GET', '/api/v1/application-servers')).body as { items: unknown[] };
    assert.equal(listed.items.length, 0);
    assert.equal((await api.call(owner, 'DELETE', `/api/v1/application-servers/${as.id}`)).status, 404);
  });
});

describe('REST: credentials bundles per server are capped', () => {
  let api: InProcessApi;
  before(async () => {
    api = await startInProcessApi({ maxBundlesPerPeer: 2 });
  });
  after(() => api.close());

  test('a rotation past the cap still shows its credentials, without a bundle and with a warning', async () => {
    const owner = (await api.createAccount('rotator')).apiKey;
    const ns = (await api.call(owner, 'POST', '/api/v1/network-servers', { name: 'n', netId: '000013' }))
      .body as Registered;
    const rotate = async (kind: string, id: string) => {
      const res = await api.call(owner, 'POST', `/api/v1/${kind}/${id}/rotations`, {});
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as Registered & { warnings: { code: string; message: string }[] };
    };
    const second = await rotate('network-servers', ns.id);
    assert.ok(second.bundle !== null);
    assert.deepEqual(second.warnings, []);
    // The registration's and the first rotation's bundles wait: the third is refused, the rotation is not.
    const third = await rotate('network-servers', ns.id);
    assert.equal(third.bundle, null);
    assert.deepEqual(
      third.warnings.map((w) => w.code),
      ['too_many_bundles'],
    );
    assert.match(third.warnings[0]?.message ?? '', /2 credentials bundles/);
    assert.match(third.credentials.clientCertPem, /BEGIN CERTIFICATE/);
    assert.notEqual(third.bearerToken, second.bearerToken);
    // Downloading one (the account has no devices yet: it names its JoinEUI prefix) frees its place.
    assert.equal(
      (
        await api.console.http.inject({
          method: 'GET',
          url: `${second.bundle.url}?joinEuiPrefixes=70B3D57ED0000000/64`,
          headers: { authorization: `Bearer ${owner}` },
        })
      ).statusCode,
      200,
    );
    const fourth = await rotate('network-servers', ns.id);
    assert.ok(fourth.bundle !== null);
    // An application server's rotation answer says it the same way.
    const as = (
      await api.call(owner, 'POST', '/api/v1/application-servers', { name: 'a', asId: 'a.example.net' })
    ).body as Registered;
    await rotate('application-servers', as.id);
    const refused = await rotate('application-servers', as.id);
    assert.deepEqual([refused.bundle, refused.warnings.map((w) => w.code)], [null, ['too_many_bundles']]);
  });
});
