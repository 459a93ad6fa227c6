import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LmdbKv } from './lmdb-kv.js';

const root = mkdtempSync(join(tmpdir(), 'claims-lmdb-kv-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('LMDB index ranges keep members of any length, in order, and page with after', async () => {
  const kv = new LmdbKv(join(root, 'index'));
  try {
    // Members from 1 to 300 characters: NUL-separated keys longer than ~60 characters used to fall out of the range.
    const members = [1, 30, 59, 60, 61, 100, 300].map(
      (n, i) => `${String.fromCharCode(97 + i)}${'m'.repeat(n - 1)}`,
    );
    await kv.indexAdd('idx:long', members);
    // Neighbouring indexes whose names extend this one's never leak into its range.
    await kv.indexAdd('idx:long2', ['zz']);
    await kv.indexAdd('idx:lonf', ['yy']);
    assert.deepEqual(await kv.indexRange('idx:long', null, 100), members);
    const firstPage = await kv.indexRange('idx:long', null, 3);
    assert.deepEqual(firstPage, members.slice(0, 3));
    assert.deepEqual(await kv.indexRange('idx:long', firstPage.at(-1) ?? null, 100), members.slice(3));
    await kv.indexRemove('idx:long', members[5] ?? '');
    assert.deepEqual(
      await kv.indexRange('idx:long', null, 100),
      members.filter((_, i) => i !== 5),
    );
  } finally {
    await kv.close();
  }
});
