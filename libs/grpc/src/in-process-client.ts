import { create, fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import {
  callTimeoutMs,
  dispatchUnary,
  lazyAbort,
  logHandlerError,
  methodPath,
  normalizeMetadata,
  unaryHandlers,
} from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { fromWireError, toWireError } from './status.js';
import { defaultTimeoutMs, type CallOptions, type Client, type ServiceImpl } from './types.js';

export interface InProcessClientOptions {
  /** Deadline of calls that set no `timeoutMs`; 5000 unless set. */
  defaultTimeoutMs?: number;
  /** Plays the server's logger: internal errors are logged here with their cause. */
  logger?: Logger;
}

/**
 * A client that calls `impl` directly, for embedded mode and tests. It behaves like the wire: request and answer
 * round-trip through protobuf binary, errors are translated both ways through the status table (internal messages
 * hidden, details through JSON), metadata is checked and lower-cased, deadlines and AbortSignals are honoured.
 */
export function createInProcessClient<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  options: InProcessClientOptions = {},
): Client<S> {
  const clientTimeoutMs = options.defaultTimeoutMs ?? defaultTimeoutMs;
  const client: Record<string, unknown> = {};

  for (const [method, handler] of unaryHandlers(service, impl)) {
    const path = methodPath(method);
    client[method.localName] = async (init: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
      const { signal } = callOptions;
      if (signal?.aborted) throw grpcErrors.cancelled({ method: path }, undefined, signal.reason);
      let requestBytes: Uint8Array;
      let metadata: Record<string, string>;
      let timeoutMs: number;
      try {
        timeoutMs = callTimeoutMs(callOptions.timeoutMs, clientTimeoutMs);
        metadata = normalizeMetadata(callOptions.metadata);
        requestBytes = toBinary(method.input, create(method.input, init as never));
      } catch (err) {
        throw JoineryError.is(err)
          ? err
          : grpcErrors.invalid_message({ message: method.input.typeName }, undefined, err);
      }
      const controller = lazyAbort();
      const context = {
        deadline: new Date(Date.now() + timeoutMs),
        metadata,
        get signal() {
          return controller.signal;
        },
        peer: 'in-process',
      };

      const answer = await new Promise<Uint8Array>((resolve, reject) => {
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const timer = setTimeout(() => {
          const err = grpcErrors.deadline_exceeded({ method: path });
          controller.abort(err);
          settle(() => reject(err));
        }, timeoutMs);
        const onAbort = () => {
          controller.abort(grpcErrors.cancelled());
          settle(() => reject(grpcErrors.cancelled({ method: path }, undefined, signal?.reason)));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        dispatchUnary(method, handler, requestBytes, context).then(
          (bytes) => settle(() => resolve(bytes)),
          (err: unknown) => {
            const wire = toWireError(err);
            logHandlerError(options.logger, method, err, wire);
            settle(() => reject(fromWireError(wire.status, wire.message, wire.code, wire.details)));
          },
        );
      });
      return fromBinary(method.output, answer);
    };
  }
  return client as Client<S>;
}
