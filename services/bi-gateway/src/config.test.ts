import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGatewayConfig } from './config.js';

test('defaults of the management contract: BI on 7443, no plain listener, idle connections kept 125 s', () => {
  const config = loadGatewayConfig({});
  assert.equal(config.biPort, 7443);
  assert.equal(config.biHttpPort, undefined);
  assert.equal(config.idleTimeoutMs, 125_000);
  assert.ok(config.idleTimeoutMs >= 120_000);
  assert.equal(loadGatewayConfig({ JOINERY_BI_IDLE_TIMEOUT: '3m' }).idleTimeoutMs, 180_000);
  assert.throws(() => loadGatewayConfig({ JOINERY_BI_IDLE_TIMEOUT: 'soon' }));
});

test('the public BI URL: JOINERY_BI_PUBLIC_URL, else this host and the port listened on; its host is a SAN', async () => {
  const { biPublicUrl, serverCertificateHostnames } = await import('./config.js');
  const defaults = loadGatewayConfig({});
  assert.equal(biPublicUrl(defaults, 40443, 'js-1.example.net'), 'https://js-1.example.net:40443/');
  assert.deepEqual(serverCertificateHostnames(defaults, 'js-1.example.net'), [
    'localhost',
    '127.0.0.1',
    'js-1.example.net',
  ]);
  const set = loadGatewayConfig({
    JOINERY_BI_PUBLIC_URL: 'https://js.example.net:443/',
    JOINERY_BI_TLS_HOSTNAMES: 'internal.example',
  });
  assert.equal(biPublicUrl(set, 40443, 'ignored'), 'https://js.example.net/');
  assert.deepEqual(serverCertificateHostnames(set, 'ignored'), ['internal.example', 'js.example.net']);
  assert.deepEqual(
    serverCertificateHostnames(loadGatewayConfig({ JOINERY_BI_PUBLIC_URL: 'https://[::1]:7443/' })),
    ['localhost', '127.0.0.1', '::1'],
  );
  assert.throws(() => loadGatewayConfig({ JOINERY_BI_PUBLIC_URL: 'not a url' }));
});
