// `npm run build`: each service's entry point bundled into one ES module, `services/<svc>/dist/main.js` (with a
// source map), for running without the TypeScript loader: `node --enable-source-maps services/keys/dist/main.js`.
//
// Joinery's own workspace packages (`@joinery/*`, TypeScript sources) are bundled; every other package stays an
// import resolved from node_modules at run time, so native addons (lmdb, pkcs11js) and their files load as usual.
// The output therefore runs from this checkout (or an image of it with `npm ci --omit=dev`), not copied elsewhere.
import { ensureConsoleWebBuilt } from '@joinery/console-web';
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

/**
 * Worker threads a service starts from a file next to its code (`new URL('./x.js', import.meta.url)`): built as
 * entries of their own beside `main.js`. Embedded mode (`joinery`) bundles the keys service, so it needs them too.
 */
const keysThreads = { 'vault-thread': 'services/keys/src/adapters/pkcs11/vault-thread.ts' };
const threads: Partial<Record<(typeof services)[number], Record<string, string>>> = {
  keys: keysThreads,
  joinery: keysThreads,
};

const started = Date.now();
for (const service of services) {
  const outdir = join(root, 'services', service, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const extra = Object.entries(threads[service] ?? {}).map(([name, path]) => [name, join(root, path)]);
  await build({
    entryPoints: {
      main: join(root, 'services', service, 'src', 'main.ts'),
      ...Object.fromEntries(extra),
    },
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
// The web console's bundle, which the console service serves at `/` (libs/console-web/dist).
await ensureConsoleWebBuilt({ log: (line) => console.log(line) });
console.log(
  `built ${services.map((s) => `services/${s}/dist/main.js`).join(', ')} in ${Date.now() - started} ms`,
);
