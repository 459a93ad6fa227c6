import { createGrpcClient, type Client } from '@joinery/grpc';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `main.ts` (real vault adapters) or `keys-test-server.ts` (fake vault, real state and gRPC). */
export const keysEntryPoints = {
  main: fileURLToPath(new URL('../main.ts', import.meta.url)),
  testServer: fileURLToPath(new URL('./keys-test-server.ts', import.meta.url)),
} as const;
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The keys service's `main.ts` running as a child process, and a gRPC client to it. */
export interface KeysProcess {
  readonly child: ChildProcess;
  readonly client: Client<typeof KeysService> & { close(): void };
  readonly logFile: string;
  /** Resolves once the process has exited (after a kill or a stop). */
  readonly exited: Promise<void>;
  log(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts the keys service process with `env` (JOINERY_* variables) and waits until its gRPC port answers. */
export async function startKeysProcess(
  env: Record<string, string>,
  logFile: string,
  port: number,
  entry: string = keysEntryPoints.main,
  nodeArgs: readonly string[] = [],
): Promise<KeysProcess> {
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...env,
        JOINERY_KEYS_GRPC_ADDRESS: `127.0.0.1:${port}`,
      },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const client = createGrpcClient(KeysService, `127.0.0.1:${port}`, { defaultTimeoutMs: 5000 });
  const log = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running) throw new Error(`keys process exited during start:\n${log().slice(-3000)}`);
    try {
      await client.getNonceState({ devEui: new Uint8Array(8) }, { timeoutMs: 1000 });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`keys process did not answer within 60 s:\n${log().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    child,
    client,
    logFile,
    exited,
    log,
    async kill(signal) {
      if (running) child.kill(signal);
      await exited;
      client.close();
    },
  };
}
