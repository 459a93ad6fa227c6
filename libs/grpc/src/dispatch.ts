import { create, fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import type { Logger } from '@joinery/logging';
import { grpcErrors } from './grpc-errors.js';
import type { WireError } from './status.js';
import type { CallContext } from './types.js';

/** A handler as the transports see it: untyped, one per method. */
export type UntypedHandler = (request: unknown, context: CallContext) => Promise<unknown>;

/**
 * The unary methods of `service` paired with their handlers in `impl`. Throws at registration time, not at the first
 * call, when the service has a streaming method or the implementation lacks a method.
 */
export function unaryHandlers(service: DescService, impl: object): [DescMethod, UntypedHandler][] {
  return service.methods.map((method) => {
    if (method.methodKind !== 'unary') {
      throw grpcErrors.unsupported_method(
        { method: `${service.typeName}/${method.name}`, method_kind: method.methodKind },
        `${service.typeName}/${method.name} is ${method.methodKind.replace('_', '-')}; only unary methods are supported`,
      );
    }
    const handler = (impl as Record<string, unknown>)[method.localName];
    if (typeof handler !== 'function')
      throw new TypeError(`the implementation of ${service.typeName} lacks ${method.localName}()`);
    return [method, handler.bind(impl) as UntypedHandler];
  });
}

/** Decodes the request, runs the handler, encodes its answer: the same bytes path for the wire and in-process. */
export async function dispatchUnary(
  method: DescMethod,
  handler: UntypedHandler,
  requestBytes: Uint8Array,
  context: CallContext,
): Promise<Uint8Array> {
  let request: unknown;
  try {
    request = fromBinary(method.input, requestBytes);
  } catch (err) {
    throw grpcErrors.invalid_message({ message: method.input.typeName }, undefined, err);
  }
  const init = await handler(request, context);
  return toBinary(method.output, create(method.output, init as never));
}

/** The largest message either side receives (grpc-js `max_receive_message_length`). */
export const maxMessageBytes = 4 * 1024 * 1024;

/** Longest delay `setTimeout` honours (longer ones fire at once). */
export const maxTimerMs = 2 ** 31 - 1;

/** A call's timeout: a non-negative number of milliseconds, at most `maxTimerMs`. */
export function callTimeoutMs(requested: number | undefined, fallback: number): number {
  const ms = requested ?? fallback;
  if (Number.isNaN(ms) || ms < 0) throw grpcErrors.invalid_timeout({ timeout_ms: String(ms) });
  return Math.min(ms, maxTimerMs);
}

export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Internal errors are logged with their cause (the caller only sees a generic message); others at debug. */
export function logHandlerError(
  logger: Logger | undefined,
  method: DescMethod,
  thrown: unknown,
  wire: WireError,
): void {
  if (logger === undefined) return;
  const fields = { grpc_method: methodPath(method), error_code: wire.code };
  if (wire.kind === 'internal') {
    logger.error({ ...fields, err: thrown }, 'gRPC handler failed');
  } else {
    logger.debug(fields, 'gRPC handler returned an error');
  }
}

const metadataKey = /^[0-9a-z_.-]+$/;
const metadataValue = /^[ -~]*$/;
const transportHeaders = new Set(['user-agent', 'content-type', 'te', 'host', 'accept-encoding']);

/** Request metadata as handlers see it, identical for both transports. */
export function isVisibleMetadataKey(key: string): boolean {
  return (
    !key.startsWith(':') && !key.startsWith('grpc-') && !key.endsWith('-bin') && !transportHeaders.has(key)
  );
}

/** Lower-cases keys and rejects what gRPC would reject, so the in-process transport fails the same way. */
export function normalizeMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(metadata ?? {})) {
    const key = rawKey.toLowerCase();
    if (
      !metadataKey.test(key) ||
      key.endsWith('-bin') ||
      !metadataValue.test(value) ||
      !isVisibleMetadataKey(key)
    ) {
      throw grpcErrors.invalid_metadata(
        { key: rawKey.slice(0, 64) },
        `metadata ${JSON.stringify(rawKey.slice(0, 64))} is not allowed or its value is not printable ASCII`,
      );
    }
    out[key] = value;
  }
  return out;
}

/**
 * The abort side of a call's context: the `AbortController` is made only when a handler reads `signal` (few do, and
 * one costs a few µs per call); an abort before that is remembered and applied to the signal when it is made.
 */
export function lazyAbort(): { readonly signal: AbortSignal; abort(reason: unknown): void } {
  let controller: AbortController | undefined;
  let aborted: { reason: unknown } | undefined;
  return {
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (aborted !== undefined) controller.abort(aborted.reason);
      }
      return controller.signal;
    },
    abort(reason) {
      if (aborted !== undefined) return;
      aborted = { reason };
      controller?.abort(reason);
    },
  };
}
