import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { closeEmbeddedStore, openEmbeddedStore } from '@joinery/store';
import { chargeLedgerContract } from '../../domain/ledger.contract.js';
import { createLmdbLedger } from './lmdb-ledger.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

chargeLedgerContract('LMDB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-ledger-'));
  dirs.push(dir);
  const root = openEmbeddedStore(dir);
  const ledger = createLmdbLedger(root);
  return { ...ledger, close: () => closeEmbeddedStore(root) };
});
