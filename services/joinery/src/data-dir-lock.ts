import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { joineryErrors } from './errors.js';

export interface DataDirLock {
  /** The PID of a server that died without removing its lock, which this one took over. */
  readonly tookOverFrom: number | undefined;
  /** Removes the lock file when it is still this one's. */
  release(): void;
}

const lockName = 'joinery.lock';

/** Whether a process with this PID runs (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per data directory: `<dataDir>/joinery.lock` holds the PID of the server using it, created atomically.
 * A lock whose process is gone (a crash, a kill -9) is taken over; a live one refuses with `joinery:data_dir_in_use`.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, lockName);
  // The random part tells this lock from a later one of the same process (release removes only its own).
  const content = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  let tookOverFrom: number | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let held = '';
    try {
      held = readFileSync(file, 'utf8');
    } catch {
      // Removed in between: try again.
    }
    const pid = Number(held.split(' ')[0]);
    if (Number.isInteger(pid) && pid > 0 && alive(pid))
      throw joineryErrors.data_dir_in_use(
        { pid },
        `another Joinery server (PID ${pid}) is using the data directory ${dataDir}: stop it first, or give this ` +
          `one another JOINERY_DATA_DIR (the lock is ${file})`,
      );
    tookOverFrom = Number.isInteger(pid) && pid > 0 ? pid : undefined;
    try {
      unlinkSync(file);
    } catch {
      // Another starter removed it first; the next openSync decides.
    }
  }
  return {
    tookOverFrom,
    release() {
      try {
        if (readFileSync(file, 'utf8') === content) unlinkSync(file);
      } catch {
        // Already gone.
      }
    },
  };
}
