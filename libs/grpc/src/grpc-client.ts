import { create, fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { JoineryError } from '@joinery/errors';
import { callTimeoutMs, maxMessageBytes, methodPath, normalizeMetadata } from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { createMuxCaller, type MuxCallInit } from './mux-client.js';
import { errorCodeHeader, errorDetailsHeader, fromWireError } from './status.js';
import { defaultTimeoutMs, type CallOptions, type Client } from './types.js';

export interface GrpcClientOptions {
  /** Insecure (plain-text HTTP/2) unless set. */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of calls that set no `timeoutMs`; 5000 unless set. */
  defaultTimeoutMs?: number;
  /**
   * Carry the calls as messages on one long-lived stream (proto/joinery/rpc/v1/mux.proto) instead of one HTTP/2
   * stream per call: the same semantics at a tenth of the CPU. On unless set to false; a server that does not serve
   * the mux gets plain unary calls.
   */
  multiplex?: boolean;
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
  'grpc.max_receive_message_length': maxMessageBytes,
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
  const unary = (init: MuxCallInit) => unaryCall(channel, init);
  const mux = options.multiplex === false ? undefined : createMuxCaller(channel, unary);
  const send = mux ?? unary;
  const client: Record<string, unknown> = {};

  for (const method of service.methods) {
    const path = methodPath(method);
    client[method.localName] = async (init: unknown, callOptions: CallOptions = {}): Promise<unknown> => {
      if (method.methodKind !== 'unary') throw grpcErrors.unsupported_method({ method: path });
      const { signal } = callOptions;
      if (signal?.aborted) throw grpcErrors.cancelled({ method: path }, undefined, signal.reason);
      let call: MuxCallInit;
      try {
        call = {
          path,
          timeoutMs: callTimeoutMs(callOptions.timeoutMs, clientTimeoutMs),
          metadata: normalizeMetadata(callOptions.metadata),
          request: toBinary(method.input, create(method.input, init as never)),
          signal,
        };
      } catch (err) {
        throw JoineryError.is(err)
          ? err
          : grpcErrors.invalid_message({ message: method.input.typeName }, undefined, err);
      }
      const response = await send(call);
      try {
        return fromBinary(method.output, response);
      } catch (decodeErr) {
        throw grpcErrors.invalid_message({ message: method.output.typeName }, undefined, decodeErr);
      }
    };
  }

  return Object.assign(client as Client<S>, {
    close: () => {
      // grpc-js leaves open streams alone when its channel closes: the mux stream is cancelled here.
      mux?.close();
      channel.close();
    },
  });
}

/** One call as its own HTTP/2 stream; resolves with the answer's bytes. */
function unaryCall(channel: grpc.Client, init: MuxCallInit): Promise<Uint8Array> {
  const { signal } = init;
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(init.metadata)) metadata.set(key, value);
  const request = Buffer.from(init.request.buffer, init.request.byteOffset, init.request.byteLength);
  const deadline = Date.now() + init.timeoutMs;
  return new Promise((resolve, reject) => {
    let call: grpc.ClientUnaryCall | undefined;
    const onAbort = () => call?.cancel();
    try {
      call = channel.makeUnaryRequest(
        init.path,
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
          resolve(response ?? new Uint8Array());
        },
      );
    } catch (err) {
      // grpc-js throws at once when the channel was closed.
      reject(grpcErrors.unavailable({ method: init.path }, 'the client was closed', err));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function firstString(metadata: grpc.Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}
