import { chmodSync, mkdirSync } from 'node:fs';
import { open, type RootDatabase, type RootDatabaseOptionsWithPath } from 'lmdb';

export interface EmbeddedStoreOptions {
  /** Named sub-databases (`root.openDB({ name })`) the process may open; 64 unless set. */
  maxDbs?: number;
}

/**
 * Opens (creating if needed) the LMDB environment in directory `dir`, which is created with mode 0700 (the data
 * directory also holds the software vault's master key). Values are msgpack, uncompressed. `transactionSync`
 * commits are flushed to disk before they return; `transaction()` resolves once its commit is durable, so a nonce
 * written in either is persisted before the answer that depends on it leaves.
 */
export function openEmbeddedStore(dir: string, options: EmbeddedStoreOptions = {}): RootDatabase {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const lmdbOptions: RootDatabaseOptionsWithPath = {
    path: dir,
    noSubdir: false,
    compression: false,
    encoding: 'msgpack',
    maxDbs: options.maxDbs ?? 64,
    noSync: false,
  };
  return open(lmdbOptions);
}

/** Waits for pending writes to commit and be flushed, then closes the environment. */
export async function closeEmbeddedStore(db: RootDatabase): Promise<void> {
  await db.flushed;
  await db.close();
}
