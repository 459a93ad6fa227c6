import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { closeEmbeddedStore, openEmbeddedStore } from './embedded-store.js';

const root = mkdtempSync(join(tmpdir(), 'joinery-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `db${++n}`, 'store');

test('creates its directory with mode 0700', async () => {
  const dir = freshDir();
  const db = openEmbeddedStore(dir);
  try {
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.ok(statSync(dir).isDirectory());
  } finally {
    await closeEmbeddedStore(db);
  }
});

test('data survives close and reopen, in the root and in named databases', async () => {
  const dir = freshDir();
  const first = openEmbeddedStore(dir);
  await first.put('device:0102030405060708', { joinNonce: 7, devNonces: [1, 2, 3] });
  first.openDB({ name: 'outbox' }).putSync('e1', { topic: 'joinery.joins.v1' });
  await closeEmbeddedStore(first);

  const second = openEmbeddedStore(dir);
  try {
    assert.deepEqual(second.get('device:0102030405060708'), { joinNonce: 7, devNonces: [1, 2, 3] });
    assert.deepEqual(second.openDB({ name: 'outbox' }).get('e1'), { topic: 'joinery.joins.v1' });
  } finally {
    await closeEmbeddedStore(second);
  }
});

test('transactionSync commits every write or none', async () => {
  const db = openEmbeddedStore(freshDir());
  try {
    db.transactionSync(() => {
      db.putSync('nonce', 1);
      db.putSync('history', [10]);
    });
    assert.throws(
      () =>
        db.transactionSync(() => {
          db.putSync('nonce', 2);
          assert.equal(db.get('nonce'), 2, 'reads inside see the transaction');
          db.putSync('history', [10, 11]);
          throw new Error('abort');
        }),
      /abort/,
    );
    assert.equal(db.get('nonce'), 1);
    assert.deepEqual(db.get('history'), [10]);
  } finally {
    await closeEmbeddedStore(db);
  }
});

// lmdb-js batches transaction() callbacks into a shared write transaction, so a throwing callback does NOT roll back
// its writes. This test pins that trap (it fails if lmdb changes); use childTransaction() or transactionSync().
test('transaction (async) commits its writes together but does not roll back on throw', async () => {
  const db = openEmbeddedStore(freshDir());
  try {
    const result = await db.transaction(() => {
      db.put('a', 'x');
      db.put('b', 'y');
      return 'done';
    });
    assert.equal(result, 'done');
    await assert.rejects(
      db.transaction(() => {
        db.put('a', 'changed');
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.deepEqual([db.get('a'), db.get('b')], ['changed', 'y']);
  } finally {
    await closeEmbeddedStore(db);
  }
});

test('childTransaction (async) commits every write or none', async () => {
  const db = openEmbeddedStore(freshDir());
  try {
    await db.childTransaction(() => {
      db.put('nonce', 1);
      db.put('history', [10]);
    });
    await assert.rejects(
      db.childTransaction(() => {
        db.put('nonce', 2);
        db.put('history', [10, 11]);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.deepEqual([db.get('nonce'), db.get('history')], [1, [10]]);
  } finally {
    await closeEmbeddedStore(db);
  }
});

test('concurrent read-modify-write transactions do not lose updates', async () => {
  const db = openEmbeddedStore(freshDir());
  try {
    await db.put('counter', 0);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        db.transaction(() => {
          const current = db.get('counter') as number;
          db.put('counter', current + 1);
        }),
      ),
    );
    assert.equal(db.get('counter'), 50);
  } finally {
    await closeEmbeddedStore(db);
  }
});

test('values round-trip as msgpack, binary included', async () => {
  const db = openEmbeddedStore(freshDir());
  try {
    const value = { wrapped: Uint8Array.from([1, 2, 3, 255]), big: 2 ** 40, flag: true, nested: { s: 'é' } };
    await db.put('v', value);
    const got = db.get('v') as { wrapped: Uint8Array; big: number; flag: boolean; nested: { s: string } };
    assert.deepEqual([...got.wrapped], [1, 2, 3, 255]);
    assert.deepEqual([got.big, got.flag, got.nested], [2 ** 40, true, { s: 'é' }]);
  } finally {
    await closeEmbeddedStore(db);
  }
});
