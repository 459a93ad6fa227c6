import { accessStoreContract } from '../../domain/access-store.contract.js';
import { claimsStoreContract } from '../../domain/claims-store.contract.js';
import { kvClaimsStoreContract } from '../kv/kv-claims-store.contract.js';
import { MemoryKv } from './memory-kv.js';
import { createMemoryClaimsStore } from './memory-store.js';

claimsStoreContract('memory', async () => createMemoryClaimsStore());
kvClaimsStoreContract('memory', async () => new MemoryKv());
accessStoreContract('memory', async () => createMemoryClaimsStore());
