import { Worker } from 'node:worker_threads';
import { JoineryError, type SafeError } from '@joinery/errors';
import { keysErrors } from '../../domain/errors.js';
import type { KeyVault } from '../../domain/key-vault.js';
import type { Logger } from '../../domain/ports.js';
import type { Pkcs11VaultOptions } from './pkcs11-vault.js';
import {
  threadedMethods,
  type FromVaultThread,
  type ThreadedMethod,
  type ToVaultThread,
} from './vault-thread-protocol.js';

// From the sources (tsx) the thread needs the loader registered; the bundle of `npm run build` has its own entry.
const threadEntry = new URL(
  import.meta.url.endsWith('.ts') ? './vault-thread-boot.mjs' : './vault-thread.js',
  import.meta.url,
);

const rebuild = (error: SafeError) =>
  new JoineryError(error.code, error.kind, error.message, { details: error.details });

/**
 * `openPkcs11Vault` on a worker thread of this process (`vault-thread.ts`): the same vault, every Cryptoki call off
 * the event loop that serves gRPC and Redis. Calls cross as structured clones (byte arrays, plain objects); errors as
 * their code, kind, message and details. If the thread dies, every call fails with `keys:hsm_unavailable`.
 */
export async function openPkcs11VaultOnThread(
  options: Omit<Pkcs11VaultOptions, 'logger'> & { readonly logger: Logger },
): Promise<KeyVault> {
  const { logger, ...vaultOptions } = options;
  const worker = new Worker(threadEntry, {
    workerData: {
      options: vaultOptions,
      logLevel: logger.level,
      logService: String(logger.bindings().service ?? 'keys'),
    },
    stdout: false,
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: unknown): void }>();
  let nextId = 0;
  let dead: JoineryError | undefined;
  const failAll = (err: JoineryError) => {
    dead = err;
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: FromVaultThread) => {
      switch (message.t) {
        case 'log':
          relayLogLine(logger, message.chunk);
          return;
        case 'ready':
          resolve();
          return;
        case 'failed':
          reject(rebuild(message.error));
          return;
        case 'ok':
        case 'err': {
          const call = pending.get(message.id);
          pending.delete(message.id);
          if (message.t === 'ok') call?.resolve(message.value);
          else call?.reject(rebuild(message.error));
        }
      }
    });
    worker.on('error', (err) => {
      logger.error({ err }, 'the PKCS#11 vault thread failed');
      const failure = keysErrors.hsm_unavailable({ reason: 'vault_thread_failed' });
      failAll(failure);
      reject(failure);
    });
    worker.on('exit', (code) => {
      const failure = keysErrors.hsm_unavailable({ reason: 'vault_thread_exited', exit_code: code });
      failAll(failure);
      reject(failure);
    });
  });

  const invoke = (method: ThreadedMethod, args: unknown[]): Promise<never> =>
    new Promise((resolve, reject) => {
      if (dead !== undefined) {
        reject(dead);
        return;
      }
      const id = (nextId = (nextId + 1) % Number.MAX_SAFE_INTEGER);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies ToVaultThread);
    });
  const vault = Object.fromEntries(
    threadedMethods.map((method) => [method, (...args: unknown[]) => invoke(method, args)]),
  ) as unknown as KeyVault & Record<'beginBatch' | 'endBatch', () => Promise<void>>;
  return {
    ...vault,
    async importBatch(fn) {
      await vault.beginBatch();
      try {
        return await fn();
      } finally {
        await vault.endBatch();
      }
    },
    async close() {
      await vault.close().catch(() => undefined);
      await worker.terminate();
    },
  };
}

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * A log line of the vault thread (pino JSON), logged again through this thread's logger with its own level, fields
 * and message, so it reaches the same destination with the same redaction.
 */
function relayLogLine(logger: Logger, chunk: string): void {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(chunk) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, time: _time, service: _service, pid: _pid, hostname: _hostname, ...fields } = line;
  const method = levels.find((name) => name === level) ?? 'info';
  logger[method](fields, typeof msg === 'string' ? msg : '');
}
