export {
  consoleWebDistDir,
  consoleWebIsFresh,
  consoleWebSourceDir,
  consoleWebSourceHash,
  ensureConsoleWebBuilt,
  sourceHashFile,
} from './web-build.js';
export type { EnsureBuiltOptions } from './web-build.js';
