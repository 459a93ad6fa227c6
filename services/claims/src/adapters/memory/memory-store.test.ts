import { claimsStoreContract } from '../../domain/claims-store.contract.js';
import { kvActivationContract } from '../kv/kv-activation.contract.js';
import { MemoryKv } from './memory-kv.js';
import { createMemoryClaimsStore } from './memory-store.js';

claimsStoreContract('memory', async () => createMemoryClaimsStore());
kvActivationContract('memory', async () => new MemoryKv());
