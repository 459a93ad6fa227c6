import type { DescMethod } from '@bufbuild/protobuf';
import { status as Status } from '@grpc/grpc-js';
import type { Logger } from '@joinery/logging';
import {
  dispatchUnary,
  isVisibleMetadataKey,
  lazyAbort,
  logHandlerError,
  maxTimerMs,
  methodPath,
  type UntypedHandler,
} from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { toWireError, type WireError } from './status.js';
import type { CallContext } from './types.js';

/** What the server knows of a call before running it. */
export interface ServerCallInit {
  readonly deadline: Date | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly peer: string;
}

/**
 * One call on the server, as both the unary methods and the multiplexed stream serve it: the handler's context (its
 * deadline timer and lazily made AbortSignal), the dispatch, the error table, and the debug access log (with
 * `logFields` added). `answer` never rejects: it is the response bytes or the error to send.
 */
export function runServerCall(
  method: DescMethod,
  handler: UntypedHandler,
  request: Uint8Array,
  init: ServerCallInit,
  logger: Logger | undefined,
  logFields: Readonly<Record<string, unknown>> = {},
): { readonly answer: Promise<Uint8Array | WireError>; abort(reason: unknown): void } {
  const path = methodPath(method);
  const started = performance.now();
  const controller = lazyAbort();
  const remaining = init.deadline === undefined ? Infinity : init.deadline.getTime() - Date.now();
  const timer =
    remaining < maxTimerMs
      ? setTimeout(
          () => controller.abort(grpcErrors.deadline_exceeded({ method: path })),
          Math.max(0, remaining),
        )
      : undefined;
  const context: CallContext = {
    deadline: init.deadline,
    metadata: visibleMetadata(init.metadata),
    get signal() {
      return controller.signal;
    },
    peer: init.peer,
  };
  const done = (answer: Uint8Array | WireError) => {
    clearTimeout(timer);
    logger?.debug(
      {
        grpc_method: path,
        grpc_status: Status[answer instanceof Uint8Array ? Status.OK : answer.status],
        duration_ms: Math.round(performance.now() - started),
        ...logFields,
      },
      'gRPC call',
    );
    return answer;
  };
  const answer = dispatchUnary(method, handler, request, context).then(done, (err: unknown) => {
    const wire = toWireError(err);
    logHandlerError(logger, method, err, wire);
    return done(wire);
  });
  return {
    answer,
    abort(reason) {
      clearTimeout(timer);
      controller.abort(reason);
    },
  };
}

/** The request metadata a handler sees: string values of visible keys only. */
function visibleMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string' && isVisibleMetadataKey(key)) out[key] = value;
  }
  return out;
}
