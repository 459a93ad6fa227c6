import { create, fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { JoineryError } from '@joinery/errors';
import { callTimeoutMs, methodPath, normalizeMetadata } from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { errorCodeHeader, errorDetailsHeader, fromWireError } from './status.js';
import { defaultTimeoutMs, type CallOptions, type Client } from './types.js';

export interface GrpcClientOptions {
  /** Insecure (plain-text HTTP/2) unless set. */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of calls that set no `timeoutMs`; 5000 unless set. */
  defaultTimeoutMs?: number;
}

/**
 * A long-lived channel: keep-alive pings every 30 s (also when idle) detect dead peers; reconnects back off up to
 * 10 s. Calls fail fast with `grpc:unavailable` while the server is unreachable.
 */
const channelOptions: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 10_000,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
};

const passThrough = (value: Buffer) => value;

export function createGrpcClient<S extends DescService>(
  service: S,
  address: string,
  options: GrpcClientOptions = {},
): Client<S> & { close(): void } {
  const channel = new grpc.Client(
    address,
    options.credentials ?? grpc.credentials.createInsecure(),
    channelOptions,
  );
  const clientTimeoutMs = options.defaultTimeoutMs ?? defaultTimeoutMs;
  const client: Record<string, unknown> = {};

  for (const method of service.methods) {
    const path = methodPath(method);
    client[method.localName] = (init: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
      if (method.methodKind !== 'unary')
        return Promise.reject(grpcErrors.unsupported_method({ method: path }));
      const { signal } = callOptions;
      if (signal?.aborted)
        return Promise.reject(grpcErrors.cancelled({ method: path }, undefined, signal.reason));
      let request: Buffer;
      let timeoutMs: number;
      const metadata = new grpc.Metadata();
      try {
        timeoutMs = callTimeoutMs(callOptions.timeoutMs, clientTimeoutMs);
        for (const [key, value] of Object.entries(normalizeMetadata(callOptions.metadata)))
          metadata.set(key, value);
        const bytes = toBinary(method.input, create(method.input, init as never));
        request = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (err) {
        return Promise.reject(
          JoineryError.is(err)
            ? err
            : grpcErrors.invalid_message({ message: method.input.typeName }, undefined, err),
        );
      }
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const onAbort = () => call.cancel();
        const call = channel.makeUnaryRequest(
          path,
          passThrough,
          passThrough,
          request,
          metadata,
          { deadline },
          (err, response) => {
            signal?.removeEventListener('abort', onAbort);
            if (err !== null) {
              const trailers = err.metadata as grpc.Metadata | undefined;
              const cause = signal?.aborted ? signal.reason : undefined;
              reject(
                fromWireError(
                  err.code,
                  err.details,
                  firstString(trailers, errorCodeHeader),
                  firstString(trailers, errorDetailsHeader),
                  cause,
                ),
              );
              return;
            }
            try {
              resolve(fromBinary(method.output, response ?? new Uint8Array()));
            } catch (decodeErr) {
              reject(grpcErrors.invalid_message({ message: method.output.typeName }, undefined, decodeErr));
            }
          },
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    };
  }

  return Object.assign(client as Client<S>, { close: () => channel.close() });
}

function firstString(metadata: grpc.Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}
