import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { captureLogs } from '@joinery/logging';
import { PrincipalSchema, Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { ClaimsClient } from '../../domain/ports.js';
import { buildConsoleHttpApp } from './console-http-app.js';

test('without a join event feed the live streams answer 503 activity_unavailable, and ask claims nothing else', async () => {
  const calls: string[] = [];
  const claims = new Proxy(
    {},
    {
      get: (_target, method: string) => async () => {
        calls.push(method);
        if (method === 'authenticate')
          return { principal: create(PrincipalSchema, { scope: Scope.OWNER, accountId: 'acc-1' }) };
        throw new Error(`unexpected ${method}`);
      },
    },
  ) as ClaimsClient;
  const app = await buildConsoleHttpApp({ claims, logger: captureLogs().logger });
  try {
    for (const url of ['/api/v1/activity/stream', '/api/v1/devices/0004A30B001C0530/activity/stream']) {
      calls.length = 0;
      const res = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer k' } });
      assert.equal(res.statusCode, 503, url);
      assert.equal(res.json().error.code, 'activity_unavailable');
      assert.deepEqual(calls, ['authenticate']);
    }
  } finally {
    await app.close();
  }
});
