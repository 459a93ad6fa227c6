// The one launcher of Joinery's services as processes for the e2e suites and the benches: each service from its
// TypeScript source (`node --import tsx services/<svc>/src/main.ts`) or from its bundle (`node services/<svc>/dist/
// main.js`), with its own data directory and log file in `dir`, waited for until it answers, stopped in reverse
// order of the join path.
import { connect } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnManaged, type ManagedProcess } from '@joinery/testing/infra';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export type ServiceName = 'keys' | 'claims' | 'billing' | 'bi-gateway' | 'console';

/** Front to back: the order in which the services are stopped. */
const stopOrder: readonly ServiceName[] = ['console', 'bi-gateway', 'billing', 'claims', 'keys'];

export interface ServiceProcessesOptions {
  /** Where each service's data directory and log files go. */
  readonly dir: string;
  /** `source`: the TypeScript entry point through tsx; `dist`: the bundle `npm run build` wrote. */
  readonly from: 'source' | 'dist';
  /** The environment every service gets (PATH and HOME are added). */
  readonly env: Record<string, string>;
  /** Environment per service, over `env`. */
  readonly serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Extra node options per service (e.g. `--cpu-prof`). */
  readonly nodeArgs?: Partial<Record<ServiceName, readonly string[]>>;
}

export interface ServiceProcesses {
  /** Starts the service (again, after `forget`): a new log file `<name>.<n>.log` each time. */
  start(name: ServiceName): ManagedProcess;
  get(name: ServiceName): ManagedProcess | undefined;
  /** The running processes, to watch while waiting. */
  all(): ManagedProcess[];
  /** Drops a process that is gone (killed) so that `start` may run it again. */
  forget(name: ServiceName): void;
  /** Stops every service, front to back (10 s each before SIGKILL). */
  stopAll(): Promise<void>;
}

export function serviceProcesses(options: ServiceProcessesOptions): ServiceProcesses {
  const running: Partial<Record<ServiceName, ManagedProcess>> = {};
  let generation = 0;
  const entry = (name: ServiceName) =>
    options.from === 'source'
      ? ['--import', 'tsx', join(repoRoot, 'services', name, 'src', 'main.ts')]
      : ['--enable-source-maps', join(repoRoot, 'services', name, 'dist', 'main.js')];
  return {
    start(name) {
      generation += 1;
      const p = spawnManaged({
        command: process.execPath,
        args: [...(options.nodeArgs?.[name] ?? []), ...entry(name)],
        cwd: repoRoot,
        logFile: join(options.dir, `${name}.${generation}.log`),
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ...options.env,
          JOINERY_DATA_DIR: join(options.dir, name),
          ...options.serviceEnv?.[name],
        },
      });
      running[name] = p;
      return p;
    },
    get: (name) => running[name],
    all: () => Object.values(running),
    forget(name) {
      delete running[name];
    },
    async stopAll() {
      for (const name of stopOrder) await running[name]?.stop(10_000).catch(() => undefined);
    },
  };
}

/** Polls `check` until it holds; fails at once, with its log tail, when one of `processes` exits meanwhile. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  processes: readonly ManagedProcess[],
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const p of processes) {
      const exited = p.exited();
      if (exited !== undefined)
        throw new Error(`${p.logFile} ${exited} while waiting for ${what}:\n${p.logTail(40)}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether a TLS listener accepts a handshake on the port (any certificate). */
export const tlsAnswers = (port: number): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
