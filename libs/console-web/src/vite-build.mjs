// `node vite-build.mjs <sourceDir> <outDir>`: the web console's production bundle (run by web-build.ts in a child
// process, so the launcher never loads the bundler).
import react from '@vitejs/plugin-react';
import { build } from 'vite';

const [root, outDir] = process.argv.slice(2);
await build({
  root,
  configFile: false,
  base: '/',
  logLevel: 'warn',
  plugins: [react()],
  build: { outDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2048 },
});
