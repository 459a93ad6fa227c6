import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';

/**
 * A server process started for the tests: output goes to a log file, `stop()` sends SIGTERM and SIGKILL after a
 * bound, and a process-wide exit hook kills it (and removes its temp dir) if the runner is interrupted.
 */
export interface ManagedProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Why it is no longer running (`exited with code 1`), or undefined while it runs. */
  exited(): string | undefined;
  /** The last `lines` lines of its log. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Removed after the process is stopped, and on an interrupted run. */
  tempDir?: string;
  defaultGraceMs?: number;
}

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let exitReason: string | undefined;
  let spawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      exitReason = `could not start ${options.command}: ${err.message}`;
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn reports ENOENT asynchronously; the pid is missing already.
    throw new Error(`could not start ${options.command}${spawnError ? `: ${spawnError.message}` : ''}`);
  }
  const reaper = startReaper(pid, options.tempDir);
  const entry: Tracked = { pid, reaperPid: reaper, tempDir: options.tempDir };
  track(entry);

  let stopping: Promise<void> | undefined;
  return {
    pid,
    logFile: options.logFile,
    exited: () => exitReason,
    logTail: (lines = 40) => tail(options.logFile, lines),
    stop(graceMs = options.defaultGraceMs ?? 10_000) {
      stopping ??= (async () => {
        if (exitReason === undefined) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exitedPromise;
          clearTimeout(timer);
        }
        killQuietly(entry.reaperPid, 'SIGKILL');
        if (options.tempDir) rmSync(options.tempDir, { recursive: true, force: true });
        untrack(entry);
      })();
      return stopping;
    },
  };
}

export function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

/**
 * A detached shell that outlives us only to clean up: if this Node process dies without running its exit hooks
 * (SIGKILL, OOM), it terminates the server and removes its temp dir. It ends by itself when the server ends.
 * Without a server it just waits for us to die and removes the dir (the SoftHSM2 token).
 */
function startReaper(serverPid: number | undefined, tempDir: string | undefined): number | undefined {
  const rmDir = tempDir ? `rm -rf '${tempDir.replaceAll("'", "'\\''")}'` : ':';
  const script =
    serverPid === undefined
      ? `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${rmDir}`
      : [
          `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${serverPid} 2>/dev/null; do sleep 1; done`,
          `if kill -0 ${serverPid} 2>/dev/null; then kill -TERM ${serverPid}; sleep 10; kill -KILL ${serverPid} 2>/dev/null; ${rmDir}; fi`,
        ].join('\n');
  try {
    const reaper = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    reaper.on('error', () => undefined);
    reaper.unref();
    return reaper.pid;
  } catch {
    return undefined;
  }
}

/**
 * Removes `dir` if this process is interrupted or killed before the returned release is called (for temp dirs that
 * have no server process, like a SoftHSM2 token). The release does not remove the dir.
 */
export function removeOnCrash(dir: string): () => void {
  const entry: Tracked = { pid: undefined, reaperPid: startReaper(undefined, dir), tempDir: dir };
  track(entry);
  return () => {
    killQuietly(entry.reaperPid, 'SIGKILL');
    untrack(entry);
  };
}

interface Tracked {
  pid: number | undefined;
  reaperPid: number | undefined;
  tempDir: string | undefined;
}

const tracked = new Set<Tracked>();
/** Asynchronous stops run on SIGINT/SIGTERM before the process exits. */
const signalStops = new Set<() => Promise<void>>();
let hooksInstalled = false;

function track(entry: Tracked): void {
  tracked.add(entry);
  installHooks();
}

function untrack(entry: Tracked): void {
  tracked.delete(entry);
}

/** Registers an asynchronous stop run (bounded) when the runner gets SIGINT/SIGTERM; returns its removal. */
export function onSignalStop(stop: () => Promise<void>): () => void {
  signalStops.add(stop);
  installHooks();
  return () => signalStops.delete(stop);
}

function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function killAllNow(): void {
  for (const entry of tracked) {
    killQuietly(entry.pid, 'SIGKILL');
    killQuietly(entry.reaperPid, 'SIGKILL');
    if (entry.tempDir) rmSync(entry.tempDir, { recursive: true, force: true });
  }
  tracked.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', killAllNow);
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(signal, () => {
      const stops = [...signalStops].map((stop) => stop().catch(() => undefined));
      const bound = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      void Promise.race([Promise.all(stops), bound]).finally(() => {
        killAllNow();
        process.exit(128 + number);
      });
    });
  }
}
