import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { infraErrors } from './errors.js';

/**
 * A directory filled once and reused: `<dir>/<contentName>` is valid while `<dir>/complete.json` holds the same
 * fingerprint. Concurrent runs (two `npm test` at once) serialise on `<dir>/lock` (an atomic mkdir holding the
 * owner's pid); a lock whose owner is gone is taken over.
 */
export interface CacheSpec {
  dir: string;
  /** The name of the content directory inside `dir` (default `content`). */
  contentName?: string;
  /** Changes whenever the content would differ (e.g. the hash of the pom that lists the jars). */
  fingerprint: string;
  /** Writes the content into an empty directory; runs at most once per fingerprint across processes. */
  fill: (into: string) => Promise<void>;
  /** How long to wait for another run's fill before giving up. */
  lockTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Stamp {
  fingerprint: string;
  files: number;
  completedAt: string;
}

export interface CacheResult {
  path: string;
  /** Whether this call filled the cache (false: reused). */
  filled: boolean;
}

/** `$JOINERY_CACHE_DIR`, else `$XDG_CACHE_HOME/joinery`, else `~/.cache/joinery`; never inside the repository. */
export function cacheRoot(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.JOINERY_CACHE_DIR) return env.JOINERY_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'joinery');
  return join(homedir(), '.cache', 'joinery');
}

export async function readStamp(dir: string): Promise<Stamp | undefined> {
  try {
    const stamp = JSON.parse(await readFile(join(dir, 'complete.json'), 'utf8')) as Partial<Stamp>;
    if (typeof stamp.fingerprint !== 'string' || typeof stamp.files !== 'number') return undefined;
    return stamp as Stamp;
  } catch {
    return undefined;
  }
}

/** A stamp counts only if its fingerprint matches and the content it describes is still all there. */
export async function isComplete(
  dir: string,
  fingerprint: string,
  contentName = 'content',
): Promise<boolean> {
  const stamp = await readStamp(dir);
  if (stamp?.fingerprint !== fingerprint) return false;
  try {
    return (await readdir(join(dir, contentName))).length === stamp.files && stamp.files > 0;
  } catch {
    return false;
  }
}

export async function ensureCached(spec: CacheSpec): Promise<CacheResult> {
  const contentName = spec.contentName ?? 'content';
  const content = join(spec.dir, contentName);
  if (await isComplete(spec.dir, spec.fingerprint, contentName)) return { path: content, filled: false };
  await mkdir(spec.dir, { recursive: true });
  const release = await acquireLock(join(spec.dir, 'lock'), spec.lockTimeoutMs ?? 15 * 60_000, spec.log);
  try {
    // Another run may have filled it while we waited for the lock.
    if (await isComplete(spec.dir, spec.fingerprint, contentName)) return { path: content, filled: false };
    await rm(join(spec.dir, 'complete.json'), { force: true });
    await rm(content, { recursive: true, force: true });
    const partial = join(spec.dir, `${contentName}.partial-${process.pid}`);
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    try {
      await spec.fill(partial);
      const files = (await readdir(partial)).length;
      if (files === 0) throw new Error('the fill step produced no files');
      await rename(partial, content);
      const stamp: Stamp = { fingerprint: spec.fingerprint, files, completedAt: new Date().toISOString() };
      await writeFile(join(spec.dir, 'complete.json.tmp'), JSON.stringify(stamp, null, 2));
      await rename(join(spec.dir, 'complete.json.tmp'), join(spec.dir, 'complete.json'));
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    return { path: content, filled: true };
  } finally {
    await release();
  }
}

interface LockOwner {
  pid: number;
  host: string;
}

async function acquireLock(
  lockDir: string,
  timeoutMs: number,
  log?: (line: string) => void,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(
        join(lockDir, 'owner.json'),
        JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner),
      );
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(lockDir)) {
      log?.(`taking over the stale lock ${lockDir}`);
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log?.(`waiting for another run to fill ${lockDir.replace(/\/lock$/, '')}`);
      announced = true;
    }
    if (Date.now() >= deadline) {
      throw infraErrors.infra_timeout(
        { timeout_ms: timeoutMs },
        `another run has held ${lockDir} for over ${timeoutMs / 1000} s; if no other test run is going, remove it`,
      );
    }
    await sleep(250);
  }
}

/** Its owner (on this host) is no longer alive, or it has no owner file after a grace period (a crash mid-mkdir). */
async function isStale(lockDir: string): Promise<boolean> {
  let owner: LockOwner;
  try {
    owner = JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    try {
      return Date.now() - (await stat(lockDir)).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
