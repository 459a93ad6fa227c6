import { MessageChannel, Worker } from 'node:worker_threads';
import { servePort, type ServiceImpl } from '@joinery/grpc';
import type { Logger } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { symbols } from 'pino';
import { launcherErrors } from '../errors.js';
import type { EdgeListening, EdgeWorkerData, FromEdge, ToEdge } from './protocol.js';

export interface EdgeThreadOptions {
  readonly env: Record<string, string | undefined>;
  readonly claims: ServiceImpl<typeof ClaimsService>;
  readonly keys: ServiceImpl<typeof KeysService>;
  readonly logger: Logger;
  readonly grpcTimeoutMs: number;
  /** Called once if the thread dies while running (not during `stop()`). */
  readonly onFailure: (err: Error) => void;
}

export interface EdgeThread {
  readonly listening: EdgeListening;
  stop(): Promise<void>;
}

const stopGraceMs = 10_000;

/**
 * Starts the Backend Interfaces edge (`edge-worker.ts`) on a worker thread and serves it claims and keys over two
 * message ports. Resolves once it listens; rejects with the listener's error (a port in use, bad TLS files, …).
 * Its log lines go to `logger`'s destination, formatted and redacted by the same logger options in the thread.
 */
export async function startEdgeThread(options: EdgeThreadOptions): Promise<EdgeThread> {
  const { logger } = options;
  const claimsChannel = new MessageChannel();
  const keysChannel = new MessageChannel();
  const servers = [
    servePort(claimsChannel.port1, ClaimsService, options.claims, { logger }),
    servePort(keysChannel.port1, KeysService, options.keys, { logger }),
  ];
  const data: EdgeWorkerData = {
    env: options.env,
    logLevel: logger.level,
    logService: String(logger.bindings().service ?? 'joinery'),
    claimsPort: claimsChannel.port2,
    keysPort: keysChannel.port2,
    grpcTimeoutMs: options.grpcTimeoutMs,
  };
  const worker = new Worker(new URL('./edge-worker-boot.mjs', import.meta.url), {
    workerData: data,
    transferList: [claimsChannel.port2, keysChannel.port2],
    // The thread's own output is its log lines, forwarded below; anything else it prints still reaches stderr.
    stdout: false,
  });
  const destination = (logger as unknown as Record<symbol, { write(chunk: string): void }>)[
    symbols.streamSym
  ];
  let stopping = false;
  let stopped: () => void = () => undefined;
  const whenStopped = new Promise<void>((resolve) => (stopped = resolve));
  const closeServers = () => {
    for (const server of servers) server.close();
  };

  const listening = await new Promise<EdgeListening>((resolve, reject) => {
    let started = false;
    worker.on('message', (message: FromEdge) => {
      switch (message.t) {
        case 'log':
          destination?.write(message.chunk);
          return;
        case 'listening':
          started = true;
          resolve(message.listening);
          return;
        case 'failed':
          reject(
            launcherErrors.edge_failed(
              message.code === undefined ? {} : { cause_code: message.code },
              `the Backend Interfaces edge could not start: ${message.message}`,
            ),
          );
          return;
        case 'stopped':
          stopped();
      }
    });
    worker.on('error', (err) => {
      if (!started) reject(err);
      else if (!stopping) {
        logger.error({ err }, 'the Backend Interfaces thread failed');
        options.onFailure(err);
      }
    });
    worker.on('exit', (code) => {
      stopped();
      closeServers();
      if (!started) reject(launcherErrors.edge_stopped({ exit_code: code }));
      else if (!stopping) {
        const err = launcherErrors.edge_stopped({ exit_code: code });
        logger.error({ err }, 'the Backend Interfaces thread stopped unexpectedly');
        options.onFailure(err);
      }
    });
  }).catch(async (err: unknown) => {
    stopping = true;
    await worker.terminate();
    closeServers();
    throw err;
  });

  return {
    listening,
    async stop() {
      if (stopping) return;
      stopping = true;
      worker.postMessage({ t: 'stop' } satisfies ToEdge);
      const grace = new Promise<'timeout'>((resolve) => setTimeout(resolve, stopGraceMs, 'timeout').unref());
      if ((await Promise.race([whenStopped, grace])) === 'timeout')
        logger.warn(
          { grace_ms: stopGraceMs },
          'the Backend Interfaces thread did not stop in time; terminated',
        );
      await worker.terminate();
      closeServers();
    },
  };
}
