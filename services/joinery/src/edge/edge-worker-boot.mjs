// Entry of the Backend Interfaces edge thread. Worker threads do not inherit the TypeScript loader of `npm start`
// (`--import tsx`) or of `bin/joinery.js` (`register()`), so the thread registers it before loading its module.
import { register } from 'tsx/esm/api';

register();
await import('./edge-worker.ts');
