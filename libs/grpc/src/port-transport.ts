import type { DescService } from '@bufbuild/protobuf';
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from '@joinery/logging';
import { createBytesClient } from './bytes-client.js';
import {
  dispatchUnary,
  logHandlerError,
  methodPath,
  unaryHandlers,
  type UntypedHandler,
} from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { fromWireError, toWireError, type WireError } from './status.js';
import type { Client, ServiceImpl } from './types.js';

/**
 * The message-port transport: a service served on one end of a `MessageChannel`, called from the other, usually
 * from another worker thread of the same process (embedded mode runs the Backend Interfaces edge on its own thread).
 * The same bytes path as gRPC: requests and answers cross as protobuf binary, errors as the status table's
 * `WireError`, deadlines and cancellation as messages.
 */
type ToServer =
  | {
      readonly t: 'call';
      readonly id: number;
      readonly path: string;
      readonly request: Uint8Array;
      readonly metadata: Record<string, string>;
      readonly timeoutMs: number;
    }
  | { readonly t: 'cancel'; readonly id: number };

type ToClient =
  | { readonly t: 'ok'; readonly id: number; readonly answer: Uint8Array }
  | { readonly t: 'err'; readonly id: number; readonly wire: WireError };

export interface PortServerOptions {
  /** Internal errors are logged here with their cause (the caller only sees a generic message). */
  logger?: Logger;
}

/** Serves `impl` on `port` until `close()`. One service per port. */
export function servePort<S extends DescService>(
  port: MessagePort,
  service: S,
  impl: ServiceImpl<S>,
  options: PortServerOptions = {},
): { close(): void } {
  const handlers = new Map<string, [S['methods'][number], UntypedHandler]>(
    unaryHandlers(service, impl).map(([method, handler]) => [methodPath(method), [method, handler]]),
  );
  const inFlight = new Map<number, AbortController>();
  const reply = (message: ToClient) => port.postMessage(message);

  port.on('message', (message: ToServer) => {
    if (message.t === 'cancel') {
      inFlight.get(message.id)?.abort(grpcErrors.cancelled());
      return;
    }
    const { id, path } = message;
    const entry = handlers.get(path);
    if (entry === undefined) {
      reply({ t: 'err', id, wire: toWireError(grpcErrors.unimplemented({ method: path })) });
      return;
    }
    const [method, handler] = entry;
    const controller = new AbortController();
    inFlight.set(id, controller);
    const context = {
      deadline: new Date(Date.now() + message.timeoutMs),
      metadata: message.metadata,
      signal: controller.signal,
      peer: 'message-port',
    };
    dispatchUnary(method, handler, message.request, context).then(
      (answer) => {
        inFlight.delete(id);
        reply({ t: 'ok', id, answer });
      },
      (err: unknown) => {
        inFlight.delete(id);
        const wire = toWireError(err);
        logHandlerError(options.logger, method, err, wire);
        reply({ t: 'err', id, wire });
      },
    );
  });
  return {
    close() {
      for (const controller of inFlight.values()) controller.abort(grpcErrors.unavailable());
      inFlight.clear();
      port.close();
    },
  };
}

export interface PortClientOptions {
  /** Deadline of calls that set no `timeoutMs`; 5000 unless set. */
  defaultTimeoutMs?: number;
}

/**
 * A typed client of the service served on the other end of `port` (`servePort`). When the port closes (the other
 * thread stopped), calls in flight and later calls fail with `grpc:unavailable`.
 */
export function createPortClient<S extends DescService>(
  service: S,
  port: MessagePort,
  options: PortClientOptions = {},
): Client<S> & { close(): void } {
  const pending = new Map<number, { resolve(answer: Uint8Array): void; reject(err: unknown): void }>();
  let nextId = 0;
  let closed = false;
  const failAll = () => {
    closed = true;
    for (const { reject } of pending.values()) reject(grpcErrors.unavailable({ transport: 'message-port' }));
    pending.clear();
  };
  port.on('message', (message: ToClient) => {
    const call = pending.get(message.id);
    if (call === undefined) return; // cancelled or timed out meanwhile
    pending.delete(message.id);
    if (message.t === 'ok') call.resolve(message.answer);
    else {
      const { wire } = message;
      call.reject(fromWireError(wire.status, wire.message, wire.code, wire.details));
    }
  });
  port.on('close', failAll);

  const client = createBytesClient(
    service,
    ({ path, request, metadata, timeoutMs, signal }) =>
      new Promise<Uint8Array>((resolve, reject) => {
        if (closed) {
          reject(grpcErrors.unavailable({ transport: 'message-port' }));
          return;
        }
        const id = (nextId = (nextId + 1) % Number.MAX_SAFE_INTEGER);
        pending.set(id, { resolve, reject });
        signal.addEventListener(
          'abort',
          () => {
            if (pending.delete(id) && !closed) port.postMessage({ t: 'cancel', id } satisfies ToServer);
          },
          { once: true },
        );
        port.postMessage({ t: 'call', id, path, request, metadata, timeoutMs } satisfies ToServer);
      }),
    options,
  );
  return Object.assign(client, {
    close() {
      failAll();
      port.close();
    },
  });
}
