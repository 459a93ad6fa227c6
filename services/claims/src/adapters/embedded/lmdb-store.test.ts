import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { accessStoreContract } from '../../domain/access-store.contract.js';
import { claimsStoreContract } from '../../domain/claims-store.contract.js';
import { kvClaimsStoreContract } from '../kv/kv-claims-store.contract.js';
import { LmdbKv } from './lmdb-kv.js';
import { openLmdbClaimsStore } from './lmdb-store.js';

const root = mkdtempSync(join(tmpdir(), 'claims-lmdb-'));
let n = 0;
after(() => rmSync(root, { recursive: true, force: true }));

claimsStoreContract('lmdb', async () => openLmdbClaimsStore(join(root, `db-${(n += 1)}`)));
kvClaimsStoreContract('lmdb', async () => new LmdbKv(join(root, `db-${(n += 1)}`)));
accessStoreContract('lmdb', async () => openLmdbClaimsStore(join(root, `db-${(n += 1)}`)));
