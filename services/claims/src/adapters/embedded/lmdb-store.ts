import { KvClaimsStore } from '../kv/kv-claims-store.js';
import { LmdbKv } from './lmdb-kv.js';

/** The embedded-mode store: an LMDB environment at `path` (a directory inside JOINERY_DATA_DIR). */
export function openLmdbClaimsStore(path: string): KvClaimsStore {
  return new KvClaimsStore(new LmdbKv(path));
}
