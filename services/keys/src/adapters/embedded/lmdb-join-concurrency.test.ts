import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkJoinConcurrency } from '../../testing/join-concurrency.js';
import { createLmdbStateStore } from './lmdb-state-store.js';

test('LMDB: concurrent HandleJoin calls never reuse a JoinNonce or accept a DevNonce twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-keys-lmdb-'));
  const root = openEmbeddedStore(dir);
  try {
    await checkJoinConcurrency(createLmdbStateStore(root), '00005EEF30000000');
  } finally {
    await closeEmbeddedStore(root);
    rmSync(dir, { recursive: true, force: true });
  }
});
