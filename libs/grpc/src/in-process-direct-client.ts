import { create, type DescService } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import {
  callTimeoutMs,
  lazyAbort,
  logHandlerError,
  methodPath,
  normalizeMetadata,
  unaryHandlers,
} from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import type { InProcessClientOptions } from './in-process-client.js';
import { fromWireError, toWireError } from './status.js';
import { defaultTimeoutMs, type CallOptions, type Client, type ServiceImpl } from './types.js';

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
        request = create(method.input, init as never);
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
        (async () => create(method.output, (await handler(request, context)) as never))().then(
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
