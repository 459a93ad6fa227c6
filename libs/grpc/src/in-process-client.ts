import type { DescService } from '@bufbuild/protobuf';
import type { Logger } from '@joinery/logging';
import { createBytesClient } from './bytes-client.js';
import { dispatchUnary, logHandlerError, unaryHandlers } from './dispatch.js';
import { fromWireError, toWireError } from './status.js';
import type { Client, ServiceImpl } from './types.js';

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
  const handlers = new Map(unaryHandlers(service, impl));
  return createBytesClient(
    service,
    async ({ method, request, metadata, timeoutMs, signal }) => {
      const handler = handlers.get(method);
      if (handler === undefined) throw new Error(`no handler for ${method.name}`);
      const context = { deadline: new Date(Date.now() + timeoutMs), metadata, signal, peer: 'in-process' };
      try {
        return await dispatchUnary(method, handler, request, context);
      } catch (err) {
        const wire = toWireError(err);
        logHandlerError(options.logger, method, err, wire);
        throw fromWireError(wire.status, wire.message, wire.code, wire.details);
      }
    },
    options,
  );
}
