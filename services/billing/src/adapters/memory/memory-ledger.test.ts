import { chargeLedgerContract } from '../../domain/ledger.contract.js';
import { createMemoryLedger } from './memory-ledger.js';

chargeLedgerContract('memory', async () => createMemoryLedger());
