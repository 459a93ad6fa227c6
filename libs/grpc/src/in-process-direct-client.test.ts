import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { EchoService } from '@joinery/proto/testing/v1/echo_pb';
import { createInProcessDirectClient } from './in-process-client.js';
import type { ServiceImpl } from './types.js';

test('the handler gets a whole message and the caller a whole answer, defaults filled in', async () => {
  let seen: unknown;
  const impl: ServiceImpl<typeof EchoService> = {
    async echo(request) {
      seen = request;
      return { text: 'partial' };
    },
  };
  const answer = await createInProcessDirectClient(EchoService, impl).echo({ text: 'x' });
  assert.equal((seen as { $typeName: string }).$typeName, 'joinery.testing.v1.EchoRequest');
  assert.equal((seen as { count: number }).count, 0);
  assert.deepEqual([...(seen as { payload: Uint8Array }).payload], []);
  assert.equal(answer.$typeName, 'joinery.testing.v1.EchoResponse');
  assert.equal(answer.text, 'partial');
  assert.equal(answer.count, 0);
  assert.deepEqual(answer.metadata, {});
});

test('a handler that throws before its first await fails the call as internal, not the caller', async () => {
  const impl = {
    echo: () => {
      throw new Error('secret detail');
    },
  } as unknown as ServiceImpl<typeof EchoService>;
  const err = await createInProcessDirectClient(EchoService, impl)
    .echo({ text: 'x' })
    .then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
  assert.ok(JoineryError.is(err, 'internal:unexpected'));
  assert.equal(err.message, 'internal error');
});
