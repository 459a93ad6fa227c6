// `npm run build`: each service's entry point bundled into one ES module, `services/<svc>/dist/main.js` (with a
// source map), for running without the TypeScript loader: `node --enable-source-maps services/keys/dist/main.js`.
//
// Joinery's own workspace packages (`@joinery/*`, TypeScript sources) are bundled; every other package stays an
// import resolved from node_modules at run time, so native addons (lmdb, pkcs11js) and their files load as usual.
// The output therefore runs from this checkout (or an image of it with `npm ci --omit=dev`), not copied elsewhere.
import { build, type Plugin } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Every runnable service; `joinery` is the launcher and CLI (`node services/joinery/dist/main.js start`). */
export const services = ['keys', 'claims', 'billing', 'bi-gateway', 'console', 'joinery'] as const;

const externalPackages: Plugin = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@joinery/') ? undefined : { path: args.path, external: true },
    );
  },
};

const started = Date.now();
for (const service of services) {
  const outdir = join(root, 'services', service, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { main: join(root, 'services', service, 'src', 'main.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [externalPackages],
  });
}
console.log(
  `built ${services.map((s) => `services/${s}/dist/main.js`).join(', ')} in ${Date.now() - started} ms`,
);
