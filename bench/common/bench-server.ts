// Starting the benches' own servers (the floor server, the overload gateway, the peers) as child processes.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchServer<T> {
  readonly pid: number;
  /** What `ready` read from the line that said the server was up (its port, say). */
  readonly ready: T;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** The command line that runs a TypeScript file with tsx. */
export const tsxScript = (script: URL): [command: string, args: string[]] => [
  process.execPath,
  ['--import', 'tsx', fileURLToPath(script)],
];

/**
 * Starts `command` from the repository root with PATH, HOME and `env` as its only environment, and reads its stdout
 * line by line until `ready` answers something for a line; rejects when the server exits before that.
 */
export async function startBenchServer<T>(options: {
  /** For the error when the server exits before it is up. */
  readonly name: string;
  readonly command: [command: string, args: readonly string[]];
  readonly env?: Readonly<Record<string, string>>;
  readonly stderr?: 'inherit' | 'ignore';
  readonly ready: (line: string) => T | undefined;
}): Promise<BenchServer<T>> {
  const [command, args] = options.command;
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${options.name} exited with ${code}`)));
    void (async () => {
      for await (const line of createInterface({ input: child.stdout! })) {
        const answer = options.ready(line);
        if (answer !== undefined) return resolve(answer);
      }
    })();
  });
  // Drained from now on, so that a server that goes on printing never blocks on a full pipe.
  child.stdout!.resume();
  return {
    pid: child.pid!,
    ready,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
