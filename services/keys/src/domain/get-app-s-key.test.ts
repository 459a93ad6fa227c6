import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { createKeysTestKit, kitBindingId } from '../testing/keys-test-kit.js';
import { keysErrors } from './errors.js';
import { getAppSKey } from './get-app-s-key.js';
import { handleJoin } from './handle-join.js';

const refusal = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof JoineryError);
  return { code: err.code, kind: err.kind, message: err.message, details: err.details };
};

test('a session is handed out only under the binding it was made under, else exactly like an unknown one', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  const answer = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 1));
  const fetch = (sessionKeyId: Uint8Array, bindingId: string) =>
    getAppSKey(kit.deps, { devEui, sessionKeyId, asId: 'as1', delivery: { plaintext: true }, bindingId });
  assert.equal((await fetch(answer.sessionKeyId, kitBindingId)).key.length, 16);
  const otherBinding = await refusal(fetch(answer.sessionKeyId, 'binding-of-the-next-owner'));
  assert.equal(otherBinding.code, keysErrors.unknown_session.code);
  assert.deepEqual(await refusal(fetch(answer.sessionKeyId, '')), otherBinding);
  assert.deepEqual(
    await refusal(fetch(new Uint8Array(16).fill(0xee), kitBindingId)),
    otherBinding,
    'no oracle: a foreign session is refused like an unknown SessionKeyID',
  );
});

test('a session made under the new binding is visible to it', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  const first = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 1));
  const base = kit.joinContext(devEui, '1.0.4', 2);
  const second = await handleJoin(kit.deps, { ...base, device: { ...base.device, bindingId: 'binding-2' } });
  const fetch = (sessionKeyId: Uint8Array) =>
    getAppSKey(kit.deps, {
      devEui,
      sessionKeyId,
      asId: 'as2',
      delivery: { plaintext: true },
      bindingId: 'binding-2',
    });
  assert.equal((await fetch(second.sessionKeyId)).key.length, 16);
  assert.equal((await refusal(fetch(first.sessionKeyId))).code, keysErrors.unknown_session.code);
});
