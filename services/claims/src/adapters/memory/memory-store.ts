import { KvClaimsStore } from '../kv/kv-claims-store.js';
import { MemoryKv } from './memory-kv.js';

export function createMemoryClaimsStore(): KvClaimsStore {
  return new KvClaimsStore(new MemoryKv());
}
