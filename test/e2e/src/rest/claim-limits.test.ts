import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminToken, startInProcessApi, type InProcessApi } from './in-process-api.js';

const devEui = '0004A30B001C0201';
let api: InProcessApi;
before(async () => {
  api = await startInProcessApi();
});
after(() => api.close());

test('REST: a guesser gets 429 rate_limited with Retry-After; the owner with the right code still claims', async () => {
  const account = async (name: string) => {
    const key = (await api.createAccount(name)).apiKey;
    return { key, ns: await api.registerNs(key, '000013', `${name}-ns`) };
  };
  const guesser = await account('guesser');
  const owner = await account('owner');
  await api.call(adminToken, 'POST', '/api/v1/device-batches', {
    joinEui: '70B3D57ED0000000',
    devices: [
      { devEui, macVersion: '1.0.3', nwkKey: '2B7E151628AED2A6ABF7158809CF4F3C', claimCode: 'RIGHT0201' },
    ],
  });
  const guesses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      api.call(guesser.key, 'POST', '/api/v1/claims', {
        devEui,
        claimCode: `WRONG${i}00`,
        networkServerId: guesser.ns,
      }),
    ),
  );
  const limited = guesses.filter((g) => g.status === 429);
  assert.equal(guesses.filter((g) => g.status === 403).length, 3);
  assert.equal(limited.length, 17);
  for (const g of limited) {
    assert.deepEqual(Object.keys((g.body as { error: object }).error).sort(), ['code', 'message']);
    assert.equal((g.body as { error: { code: string } }).error.code, 'rate_limited');
    assert.match(String(g.headers['retry-after']), /^[1-9][0-9]*$/);
  }
  const claimed = await api.call(owner.key, 'POST', '/api/v1/claims', {
    devEui,
    claimCode: 'RIGHT0201',
    networkServerId: owner.ns,
  });
  assert.equal(claimed.status, 201);
});
