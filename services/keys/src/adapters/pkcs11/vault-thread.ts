// The PKCS#11 vault on its own thread: Cryptoki calls are synchronous, so on the keys process's main thread they
// hold up gRPC and Redis for every join. Here the main thread keeps the protocol work and one worker thread makes
// every HSM call, one vault call (a whole join-accept) per message.
import { parentPort, workerData } from 'node:worker_threads';
import { JoineryError, safeError } from '@joinery/errors';
import { createLogger } from '@joinery/logging';
import { openPkcs11Vault, type Pkcs11VaultOptions } from './pkcs11-vault.js';
import type { FromVaultThread, ToVaultThread } from './vault-thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('vault-thread.ts runs as a worker thread of the keys service');
const post = (message: FromVaultThread) => port.postMessage(message);

const data = workerData as {
  options: Omit<Pkcs11VaultOptions, 'logger'>;
  logLevel: string;
  logService: string;
};
const logger = createLogger({
  service: data.logService,
  level: data.logLevel,
  destination: { write: (chunk: string) => post({ t: 'log', chunk }) },
});
let vault: ReturnType<typeof openPkcs11Vault>;
try {
  vault = openPkcs11Vault({ ...data.options, logger, finalizeOnClose: false });
} catch (err) {
  post({ t: 'failed', error: safeError(err) });
  throw err;
}
// importBatch takes a function, which cannot cross threads: its start and end do, and the calls in between run here.
const batchEnds: (() => void)[] = [];
const methods = {
  ...vault,
  beginBatch: async () => {
    await new Promise<void>((started) => {
      void vault.importBatch!(
        () =>
          new Promise<void>((resolve) => {
            batchEnds.push(resolve);
            started();
          }),
      );
    });
  },
  endBatch: async () => batchEnds.pop()?.(),
} as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;

port.on('message', ({ id, method, args }: ToVaultThread) => {
  const fn = methods[method];
  if (fn === undefined) {
    post({ t: 'err', id, error: safeError(new Error(`no vault method ${method}`)) });
    return;
  }
  fn(...args).then(
    (value) => {
      post({ t: 'ok', id, value });
      if (method === 'close') port.close();
    },
    (err: unknown) => {
      if (JoineryError.from(err).kind === 'internal') logger.error({ err, method }, 'vault call failed');
      post({ t: 'err', id, error: safeError(err) });
    },
  );
});
post({ t: 'ready' });
