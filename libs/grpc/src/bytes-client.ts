import { create, fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import { callTimeoutMs, methodPath, normalizeMetadata } from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { defaultTimeoutMs, type CallOptions, type Client } from './types.js';

/** One call as a transport carries it: the encoded request, its checked metadata, its deadline and its signal. */
export interface BytesCall {
  readonly method: DescMethod;
  readonly path: string;
  readonly request: Uint8Array;
  readonly metadata: Record<string, string>;
  readonly timeoutMs: number;
  /** Aborted when the caller cancels or the deadline passes; the transport should stop the server side too. */
  readonly signal: AbortSignal;
}

/** Carries a call to the server and resolves with the encoded answer, or rejects with a `JoineryError`. */
export type BytesInvoker = (call: BytesCall) => Promise<Uint8Array>;

/**
 * A typed client over a transport that moves protobuf binary (the in-process and message-port transports): encodes
 * requests, decodes answers, checks metadata and timeouts, and owns the deadline and cancellation, so every such
 * transport fails the way the wire does (`grpc:deadline_exceeded`, `grpc:cancelled`, `grpc:invalid_*`).
 */
export function createBytesClient<S extends DescService>(
  service: S,
  invoke: BytesInvoker,
  options: { defaultTimeoutMs?: number } = {},
): Client<S> {
  const clientTimeoutMs = options.defaultTimeoutMs ?? defaultTimeoutMs;
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    const path = methodPath(method);
    client[method.localName] = async (init: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
      if (method.methodKind !== 'unary') throw grpcErrors.unsupported_method({ method: path });
      const { signal } = callOptions;
      if (signal?.aborted) throw grpcErrors.cancelled({ method: path }, undefined, signal.reason);
      let request: Uint8Array;
      let metadata: Record<string, string>;
      let timeoutMs: number;
      try {
        timeoutMs = callTimeoutMs(callOptions.timeoutMs, clientTimeoutMs);
        metadata = normalizeMetadata(callOptions.metadata);
        request = toBinary(method.input, create(method.input, init as never));
      } catch (err) {
        throw JoineryError.is(err)
          ? err
          : grpcErrors.invalid_message({ message: method.input.typeName }, undefined, err);
      }
      const controller = new AbortController();
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
        invoke({ method, path, request, metadata, timeoutMs, signal: controller.signal }).then(
          (bytes) => settle(() => resolve(bytes)),
          (err: unknown) => settle(() => reject(err)),
        );
      });
      try {
        return fromBinary(method.output, answer);
      } catch (err) {
        throw grpcErrors.invalid_message({ message: method.output.typeName }, undefined, err);
      }
    };
  }
  return client as Client<S>;
}
