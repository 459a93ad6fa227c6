// The web console's bundle: where it is, whether it matches its sources, and building it (Vite, in a child process)
// when it is missing or stale. `npm start` calls `ensureConsoleWebBuilt` so a fresh clone needs no build step.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

// Resolved at run time, not from import.meta.url: the services' bundles (`npm run build`) inline this file, and
// the project's folder is where the workspace package is, whichever file asks.
const projectDir = join(createRequire(import.meta.url).resolve('@joinery/console-web/package.json'), '..');

/** The SPA's sources (index.html, src/) and the bundle Vite writes from them. */
export const consoleWebSourceDir = join(projectDir, 'web');
export const consoleWebDistDir = join(projectDir, 'dist');
/** Written into the bundle: the hash of what it was built from. */
export const sourceHashFile = '.source-hash';

/** The packages whose versions go into the bundle (an upgrade rebuilds it). */
const bundledPackages = [
  'vite',
  '@vitejs/plugin-react',
  'react',
  'react-dom',
  '@mantine/core',
  '@mantine/hooks',
  'react-router',
  'openapi-fetch',
  'jsqr',
];

/** The workspace libraries the bundle includes: their sources go into the hash with the app's own. */
const bundledLibraries = ['@joinery/product-config'];

/** The source folders of `bundledLibraries` (each package's entry point sits in its `src/`). */
export const bundledLibrarySourceDirs = (): string[] => {
  const require = createRequire(join(projectDir, 'package.json'));
  return bundledLibraries.map((name) => dirname(require.resolve(name)));
};

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (name.endsWith('.test.ts')) return [];
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/**
 * A hash of every source file of the bundle (names and contents: the app's and its workspace libraries') and the
 * versions of the packages it bundles.
 */
export function consoleWebSourceHash(
  sourceDir = consoleWebSourceDir,
  librarySourceDirs = bundledLibrarySourceDirs(),
): string {
  const hash = createHash('sha256');
  for (const dir of [sourceDir, ...librarySourceDirs])
    for (const file of listFiles(dir)) {
      hash.update(`${relative(sourceDir, file)}\0`);
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  const require = createRequire(join(projectDir, 'package.json'));
  for (const name of bundledPackages) {
    let version = 'missing';
    try {
      version = (
        JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }
      ).version;
    } catch {
      // A package that exports no package.json: its version is left out of the hash.
    }
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

/** Whether `distDir` holds a bundle built from the current sources. */
export function consoleWebIsFresh(distDir = consoleWebDistDir, sourceDir = consoleWebSourceDir): boolean {
  try {
    return (
      existsSync(join(distDir, 'index.html')) &&
      readFileSync(join(distDir, sourceHashFile), 'utf8').trim() === consoleWebSourceHash(sourceDir)
    );
  } catch {
    return false;
  }
}

function runVite(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(projectDir, 'src', 'vite-build.mjs'), consoleWebSourceDir, outDir],
      { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `the web console build failed (exit ${code}): ${output.trim().split('\n').slice(-8).join('\n')}`,
            ),
          ),
    );
  });
}

export interface EnsureBuiltOptions {
  /** Progress lines (`building the web console…`). */
  readonly log?: (line: string) => void;
  /** Wait this long for another process's build before building anyway. Default 180 s. */
  readonly lockTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Builds the bundle into `dist/` unless it is already built from the current sources. Processes starting together
 * build once: one holds a lock directory, the others wait for it; the bundle is built beside `dist/` and moved into
 * place whole, so a reader never sees half of one. Resolves with whether it built.
 */
export async function ensureConsoleWebBuilt(options: EnsureBuiltOptions = {}): Promise<boolean> {
  const log = options.log ?? (() => undefined);
  if (consoleWebIsFresh()) return false;
  const lock = join(projectDir, '.dist-lock');
  const deadline = Date.now() + (options.lockTimeoutMs ?? 180_000);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await sleep(250);
      if (consoleWebIsFresh()) return false;
    }
  }
  try {
    if (consoleWebIsFresh()) return false;
    const started = Date.now();
    log('building the web console (once per source change)');
    const hash = consoleWebSourceHash();
    const outDir = join(projectDir, `.dist-${process.pid}`);
    rmSync(outDir, { recursive: true, force: true });
    await runVite(outDir);
    writeFileSync(join(outDir, sourceHashFile), `${hash}\n`);
    rmSync(consoleWebDistDir, { recursive: true, force: true });
    renameSync(outDir, consoleWebDistDir);
    log(`web console built in ${Date.now() - started} ms`);
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
