import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateCache, requestKey } from './duplicate-cache.js';

test('returns the cached value within the window and recomputes after it', async () => {
  let now = 0;
  let computed = 0;
  const cache = new DuplicateCache<number>({ windowMs: 1000, now: () => now });
  const compute = async () => ++computed;
  assert.deepEqual(await cache.getOrCompute('k', compute, () => true), { value: 1, duplicate: false });
  now = 999;
  assert.deepEqual(await cache.getOrCompute('k', compute, () => true), { value: 1, duplicate: true });
  now = 1000;
  assert.deepEqual(await cache.getOrCompute('k', compute, () => true), { value: 2, duplicate: false });
});

test('values refused by keep and failures are not cached', async () => {
  const cache = new DuplicateCache<number>({ windowMs: 1000 });
  await cache.getOrCompute(
    'k',
    async () => 1,
    () => false,
  );
  assert.equal(cache.size, 0);
  await assert.rejects(
    cache.getOrCompute(
      'k',
      async () => Promise.reject(new Error('x')),
      () => true,
    ),
  );
  assert.equal(cache.size, 0);
});

test('the key covers every field of the request but TransactionID, canonically, and the caller', () => {
  const request = {
    messageType: 'JoinReq',
    transactionId: 1,
    senderId: '00000A',
    phyPayload: new Uint8Array([0, 1, 2]),
    devAddr: '01020304',
    dlSettings: 0,
    rxDelay: 1,
    vsExtension: { vendorId: '000000', object: { b: 1, a: 2 } },
  };
  const key = requestKey(request, 'token:a');
  assert.equal(requestKey({ ...request, transactionId: 2 }, 'token:a'), key);
  // Field order and nested key order do not matter.
  const { messageType, ...rest } = request;
  assert.equal(
    requestKey(
      { ...rest, vsExtension: { object: { a: 2, b: 1 }, vendorId: '000000' }, messageType },
      'token:a',
    ),
    key,
  );
  for (const changed of [
    { devAddr: '01020305' },
    { dlSettings: 1 },
    { rxDelay: 2 },
    { cfList: new Uint8Array(16) },
    { senderNsId: '0000000000000001' },
    { senderToken: 'AB' },
    { phyPayload: new Uint8Array([0, 1, 3]) },
    { vsExtension: { vendorId: '000001' } },
  ])
    assert.notEqual(
      requestKey({ ...request, ...changed }, 'token:a'),
      key,
      JSON.stringify(Object.keys(changed)),
    );
  assert.notEqual(requestKey(request, 'token:b'), key);
  assert.equal(key.includes('token'), false);
});
