// Entry of the PKCS#11 vault thread when the keys service runs from its TypeScript sources: worker threads do not
// inherit the loader of `--import tsx`, so the thread registers it first. The bundle (`npm run build`) starts
// `dist/vault-thread.js` instead.
import { register } from 'tsx/esm/api';

register();
await import('./vault-thread.ts');
