import { keysStateStoreContract } from '../../domain/keys-state-store.contract.js';
import { createMemoryStateStore } from './memory-state-store.js';

keysStateStoreContract('memory', async () => ({ store: createMemoryStateStore(), cleanup: async () => {} }));
