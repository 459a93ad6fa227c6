import type { Database, RootDatabase } from '@joinery/store';

/** Where the software vault keeps its sealed records (already encrypted under the master key). */
export interface VaultStorage {
  get(name: string): Promise<Uint8Array | undefined>;
  /** False when `name` exists and `overwrite` is not set; the check and the write are one atomic step. */
  put(name: string, value: Uint8Array, options: { overwrite: boolean }): Promise<boolean>;
  delete(name: string): Promise<void>;
}

export function createMemoryVaultStorage(): VaultStorage {
  const records = new Map<string, Uint8Array>();
  return {
    async get(name) {
      return records.get(name);
    },
    async put(name, value, { overwrite }) {
      if (!overwrite && records.has(name)) return false;
      records.set(name, Uint8Array.from(value));
      return true;
    },
    async delete(name) {
      records.delete(name);
    },
  };
}

/** Sealed records in a named LMDB sub-database of the embedded store. */
export function createLmdbVaultStorage(root: RootDatabase): VaultStorage {
  const db: Database<Uint8Array, string> = root.openDB<Uint8Array, string>({
    name: 'keys-vault',
    encoding: 'binary',
  });
  return {
    async get(name) {
      const value = db.get(name);
      return value === undefined ? undefined : new Uint8Array(value);
    },
    async put(name, value, { overwrite }) {
      return db.transactionSync(() => {
        if (!overwrite && db.doesExist(name)) return false;
        db.putSync(name, Buffer.from(value));
        return true;
      });
    },
    async delete(name) {
      await db.remove(name);
    },
  };
}
