import type { DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@joinery/logging';
import { dispatchUnary, isVisibleMetadataKey, logHandlerError, methodPath, unaryHandlers } from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { toWireError, wireErrorMetadata } from './status.js';
import type { CallContext, ServiceImpl } from './types.js';

export interface GrpcServer {
  /** Registers a service; throws when it has streaming methods or `impl` lacks one. Call before `listen`. */
  add<S extends DescService>(service: S, impl: ServiceImpl<S>): void;
  /** Binds (`127.0.0.1:0` picks a free port) and serves; resolves with the bound port. */
  listen(address: string, credentials?: grpc.ServerCredentials): Promise<number>;
  /** Stops accepting calls, lets running ones finish for up to `graceMs` (default 5000), then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

export interface GrpcServerOptions {
  /** Internal errors are logged here with their cause; clients only see `internal error`. */
  logger?: Logger;
}

/** Accept client keep-alive pings every 10 s even without calls (the clients ping every 30 s). */
const serverChannelOptions: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
};

const passThrough = {
  requestSerialize: (value: Buffer) => value,
  requestDeserialize: (value: Buffer) => value,
  responseSerialize: (value: Buffer) => value,
  responseDeserialize: (value: Buffer) => value,
};

export function createGrpcServer(options: GrpcServerOptions = {}): GrpcServer {
  const server = new grpc.Server(serverChannelOptions);
  const logger = options.logger;

  return {
    add(service, impl) {
      const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
      const handlers: grpc.UntypedServiceImplementation = {};
      for (const [method, handler] of unaryHandlers(service, impl)) {
        definition[method.name] = { path: methodPath(method), requestStream: false, responseStream: false, originalName: method.localName, ...passThrough };
        handlers[method.name] = ((call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          const controller = new AbortController();
          const onCancelled = () => controller.abort(grpcErrors.cancelled());
          call.on('cancelled', onCancelled);
          const deadline = toDate(call.getDeadline());
          const timer =
            deadline === undefined
              ? undefined
              : setTimeout(() => controller.abort(grpcErrors.deadline_exceeded()), Math.max(0, deadline.getTime() - Date.now()));
          const context: CallContext = { deadline, metadata: visibleMetadata(call.metadata), signal: controller.signal, peer: call.getPeer() };
          dispatchUnary(method, handler, call.request, context)
            .then(
              (bytes) => callback(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
              (err: unknown) => {
                const wire = toWireError(err);
                logHandlerError(logger, method, err, wire);
                callback({ code: wire.status, details: wire.message, metadata: wireErrorMetadata(wire) });
              },
            )
            .finally(() => {
              clearTimeout(timer);
              call.off('cancelled', onCancelled);
            });
        }) as grpc.handleUnaryCall<Buffer, Buffer>;
      }
      server.addService(definition, handlers);
    },

    listen(address, credentials = grpc.ServerCredentials.createInsecure()) {
      return new Promise((resolve, reject) => {
        server.bindAsync(address, credentials, (err, port) => (err === null ? resolve(port) : reject(err)));
      });
    },

    close(graceMs = 5000) {
      return new Promise((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

function toDate(deadline: grpc.Deadline): Date | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

function visibleMetadata(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string' && isVisibleMetadataKey(key)) out[key] = value;
  }
  return out;
}
