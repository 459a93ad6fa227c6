import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import { captureLogs } from '@joinery/logging';
import { PrincipalSchema, Scope } from '@joinery/proto/claims/v1/claims_pb';
import { buildConsoleApp } from '../../app.js';
import { biPublicUrlOf, loadConsoleConfig } from '../../config.js';
import type { ClaimsClient } from '../../domain/ports.js';

const claims = {
  authenticate: async (request: { token: string }) => {
    if (request.token === 'owner')
      return { principal: create(PrincipalSchema, { scope: Scope.OWNER, accountId: 'acc-1' }) };
    throw new JoineryError('claims:unauthenticated', 'unauthenticated', 'unknown or revoked credentials');
  },
} as unknown as ClaimsClient;

test('GET /api/v1/system/bi: the public BI URL for any caller with a token; none without', async () => {
  const app = await buildConsoleApp({
    claims,
    logger: captureLogs().logger,
    biPublicUrl: 'https://js.example.net:7443/',
  });
  try {
    const ok = await app.http.inject({
      method: 'GET',
      url: '/api/v1/system/bi',
      headers: { authorization: 'Bearer owner' },
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { publicUrl: 'https://js.example.net:7443/' });
    const anonymous = await app.http.inject({ method: 'GET', url: '/api/v1/system/bi' });
    assert.equal(anonymous.statusCode, 401);
  } finally {
    await app.close();
  }
});

test('the console derives the public BI URL as the gateway does: JOINERY_BI_PUBLIC_URL, else host and BI port', () => {
  assert.equal(
    biPublicUrlOf(loadConsoleConfig({ JOINERY_BI_PORT: '8443' }), 'js-1.example.net'),
    'https://js-1.example.net:8443/',
  );
  assert.equal(
    biPublicUrlOf(loadConsoleConfig({ JOINERY_BI_PUBLIC_URL: 'https://js.example.net/' }), 'ignored'),
    'https://js.example.net/',
  );
  assert.throws(() => loadConsoleConfig({ JOINERY_BI_PUBLIC_URL: 'ftp://js.example.net/' }));
});
