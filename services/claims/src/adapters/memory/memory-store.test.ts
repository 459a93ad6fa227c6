import { claimsStoreContract } from '../../domain/claims-store.contract.js';
import { createMemoryClaimsStore } from './memory-store.js';

claimsStoreContract('memory', async () => createMemoryClaimsStore());
