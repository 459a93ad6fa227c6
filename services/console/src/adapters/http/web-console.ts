// The web console at `/`: the single-page app of libs/console-web, read once from its bundle folder and served from
// memory (`/` and `/assets/<file>` only; nothing else of the file system is reachable). Without a bundle, `/` says
// how to build one. Hash routing (`/#/devices`) means no other path needs the app.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { restErrorOf } from './http-status.js';

export interface WebConsoleOptions {
  /** The bundle folder (index.html, assets/). */
  readonly dir: string;
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Scripts only from this origin, no framing, no plugins; inline styles are allowed because the component library
 * sets its CSS variables in a style element. Images and media from blob: for QR photos and the camera.
 */
export const webConsoleCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** What `/` answers when the bundle was never built (the console service run from source without `npm run build`). */
export const webConsoleMissingHtml = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Joinery console</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<main>
<h1>Joinery console</h1>
<p>The web console is not built on this server. Run <code>npm run build</code> (or <code>npm start</code>, which builds
it when needed) in the Joinery checkout, then reload this page.</p>
<p>The management API works meanwhile: <a href="/api/v1/openapi.json">OpenAPI document</a>.</p>
</main>
</body>
</html>
`;

interface WebFile {
  readonly body: Buffer;
  readonly type: string;
}

/** The bundle's index.html and assets, or undefined when `dir` holds no bundle. */
export function loadWebConsole(dir: string): { index: Buffer; assets: Map<string, WebFile> } | undefined {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return undefined;
  const assets = new Map<string, WebFile>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir))
    for (const name of readdirSync(assetDir)) {
      const path = join(assetDir, name);
      const type = contentTypes[extname(name)];
      if (type !== undefined && statSync(path).isFile()) assets.set(name, { body: readFileSync(path), type });
    }
  return { index: readFileSync(indexFile), assets };
}

export const webConsoleRoutes: FastifyPluginAsync<WebConsoleOptions> = async (app, { dir }) => {
  const bundle = loadWebConsole(dir);
  const secure = {
    'content-security-policy': webConsoleCsp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .headers({ ...secure, 'cache-control': 'no-cache' })
      .type('text/html; charset=utf-8')
      .send(bundle?.index ?? webConsoleMissingHtml),
  );
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { schema: { hide: true } },
    async (request, reply) => {
      const file = bundle?.assets.get(request.params.name);
      if (file === undefined) return reply.code(404).send(restErrorOf(consoleErrors.not_found()).body);
      // File names carry a hash of their content (Vite): a new bundle has new names.
      return reply
        .headers({ ...secure, 'cache-control': 'public, max-age=31536000, immutable' })
        .type(file.type)
        .send(file.body);
    },
  );
};
