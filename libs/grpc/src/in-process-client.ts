import { create, fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
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
  return inProcessClient(service, impl, options, {
    prepare: (method, init) => toBinary(method.input, create(method.input, init as never)),
    call: async (method, handler, request, context) =>
      fromBinary(method.output, await dispatchUnary(method, handler, request as Uint8Array, context)),
  });
}

/**
 * `createInProcessClient` without the protobuf binary round trip: the request and the answer are passed as messages
 * (`create` fills the defaults, as decoding would), so one process pays no codec for its own calls. Everything else
 * is the wire's: errors translated both ways through the status table (internal messages hidden), metadata checked
 * and lower-cased, deadlines and AbortSignals honoured. Only for callers and services that treat messages as values
 * (neither side changes a message after handing it over): embedded mode's services.
 */
export function createInProcessDirectClient<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  options: InProcessClientOptions = {},
): Client<S> {
  return inProcessClient(service, impl, options, {
    prepare: (method, init) => create(method.input, init as never),
    call: async (method, handler, request, context) =>
      create(method.output, (await handler(request, context)) as never),
  });
}

type Handler = ReturnType<typeof unaryHandlers>[number][1];
type CallContext = Parameters<typeof dispatchUnary>[3];

/** How a request reaches the handler: `prepare` turns the caller's init into what `call` hands the handler. */
interface InProcessTransport {
  prepare(method: DescMethod, init: unknown): unknown;
  call(method: DescMethod, handler: Handler, request: unknown, context: CallContext): Promise<unknown>;
}

function inProcessClient<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  options: InProcessClientOptions,
  transport: InProcessTransport,
): Client<S> {
  const clientTimeoutMs = options.defaultTimeoutMs ?? defaultTimeoutMs;
  const client: Record<string, unknown> = {};

  for (const [method, handler] of unaryHandlers(service, impl)) {
    const path = methodPath(method);
    client[method.localName] = async (init: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
      const { signal } = callOptions;
      if (signal?.aborted) throw grpcErrors.cancelled({ method: path }, undefined, signal.reason);
      let request: unknown;
      let metadata: Record<string, string>;
      let timeoutMs: number;
      try {
        timeoutMs = callTimeoutMs(callOptions.timeoutMs, clientTimeoutMs);
        metadata = normalizeMetadata(callOptions.metadata);
        request = transport.prepare(method, init);
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

      return new Promise<unknown>((resolve, reject) => {
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
        // A handler that throws synchronously still rejects here (as `internal:unexpected`), never escapes.
        (async () => transport.call(method, handler, request, context))().then(
          (answer) => settle(() => resolve(answer)),
          (err: unknown) => {
            const wire = toWireError(err);
            logHandlerError(options.logger, method, err, wire);
            settle(() => reject(fromWireError(wire.status, wire.message, wire.code, wire.details)));
          },
        );
      });
    };
  }
  return client as Client<S>;
}
