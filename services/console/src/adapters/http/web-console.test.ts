import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import { webConsoleCsp, webConsoleRoutes } from './web-console.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-web-console-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function appFor(bundleDir: string) {
  const app = Fastify();
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: 'no route' } }),
  );
  await app.register(webConsoleRoutes, { dir: bundleDir });
  await app.ready();
  return app;
}

test('serves the bundle: index.html at / with a strict CSP, hashed assets with their type and a long cache', async () => {
  const bundle = join(dir, 'bundle');
  mkdirSync(join(bundle, 'assets'), { recursive: true });
  writeFileSync(
    join(bundle, 'index.html'),
    '<!doctype html><title>Joinery console</title><div id="root"></div>',
  );
  writeFileSync(join(bundle, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(bundle, 'assets', 'index-abc123.css'), 'body{}');
  writeFileSync(join(bundle, 'secret.txt'), 'not served');
  const app = await appFor(bundle);
  try {
    const index = await app.inject({ method: 'GET', url: '/' });
    assert.equal(index.statusCode, 200);
    assert.match(String(index.headers['content-type']), /^text\/html/);
    assert.match(index.body, /<div id="root">/);
    assert.equal(index.headers['content-security-policy'], webConsoleCsp);
    assert.match(webConsoleCsp, /script-src 'self'(;|$)/);
    assert.match(webConsoleCsp, /frame-ancestors 'none'/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['cache-control'], 'no-cache');

    const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.body, 'console.log(1)');
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    const css = await app.inject({ method: 'GET', url: '/assets/index-abc123.css' });
    assert.match(String(css.headers['content-type']), /^text\/css/);

    for (const url of [
      '/assets/missing.js',
      '/assets/..%2Fsecret.txt',
      '/secret.txt',
      '/assets/%2e%2e%2findex.html',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'not_found', url);
    }
  } finally {
    await app.close();
  }
});

test('without a bundle, / says how to build the console and the assets answer 404', async () => {
  const app = await appFor(join(dir, 'never-built'));
  try {
    const index = await app.inject({ method: 'GET', url: '/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /<title>Joinery console<\/title>/);
    assert.match(index.body, /npm run build/);
    assert.equal((await app.inject({ method: 'GET', url: '/assets/index.js' })).statusCode, 404);
  } finally {
    await app.close();
  }
});
