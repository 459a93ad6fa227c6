import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keysStateStoreContract } from '../../domain/keys-state-store.contract.js';
import { createLmdbStateStore } from './lmdb-state-store.js';

keysStateStoreContract('lmdb', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-keys-lmdb-'));
  const root = openEmbeddedStore(dir);
  return {
    store: createLmdbStateStore(root),
    cleanup: async () => {
      await closeEmbeddedStore(root);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('LMDB state survives reopening: JoinNonce, sessions and the outbox order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-keys-lmdb-'));
  try {
    let root = openEmbeddedStore(dir);
    let store = createLmdbStateStore(root);
    const dev = '0102030405060708';
    await store.reserve(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 5 });
    const first = await store.appendEvent(dev, { topic: 't', key: dev, value: new Uint8Array([1]) });
    await store.close();
    await closeEmbeddedStore(root);
    root = openEmbeddedStore(dir);
    store = createLmdbStateStore(root);
    assert.deepEqual(await store.reserve(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 5 }), {
      ok: false,
      refusal: 'dev_nonce_too_small',
    });
    assert.deepEqual(await store.reserve(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 6 }), {
      ok: true,
      joinNonce: 2,
    });
    const second = await store.appendEvent(dev, { topic: 't', key: dev, value: new Uint8Array([2]) });
    assert.deepEqual(
      (await store.outbox.read(10)).map((r) => r.id),
      [first, second],
    );
    await store.close();
    await closeEmbeddedStore(root);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LMDB outbox ids never go back, even after the outbox was emptied and the store reopened', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-keys-lmdb-'));
  try {
    let root = openEmbeddedStore(dir);
    let store = createLmdbStateStore(root);
    const dev = '0102030405060708';
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(Number(await store.appendEvent(dev, { topic: 't', key: dev, value: new Uint8Array([i]) })));
    await store.outbox.ack((await store.outbox.read(10)).map((r) => r.id));
    assert.deepEqual(await store.outbox.read(10), []);
    await closeEmbeddedStore(root);
    root = openEmbeddedStore(dir);
    store = createLmdbStateStore(root);
    const next = Number(await store.appendEvent(dev, { topic: 't', key: dev, value: new Uint8Array([9]) }));
    assert.ok(next > Math.max(...ids), `${next} > ${Math.max(...ids)}`);
    await closeEmbeddedStore(root);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
