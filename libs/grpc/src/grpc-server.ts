import type { DescMethod, DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@joinery/logging';
import { maxMessageBytes, methodPath, unaryHandlers, type UntypedHandler } from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { healthDefinition, healthHandlers, type HealthState } from './health.js';
import { createMuxHandler, muxDefinition, type Route } from './mux-server.js';
import { runServerCall } from './server-call.js';
import { wireErrorMetadata } from './status.js';
import type { ServiceImpl } from './types.js';

export interface GrpcServer {
  /** Registers a service; throws when it has streaming methods or `impl` lacks one. Call before `listen`. */
  add<S extends DescService>(service: S, impl: ServiceImpl<S>): void;
  /** Binds (`127.0.0.1:0` picks a free port) and serves; resolves with the bound port. */
  listen(address: string, credentials?: grpc.ServerCredentials): Promise<number>;
  /**
   * Stops accepting calls, lets running ones finish for up to `graceMs` (default 5000), then cuts the rest. Open
   * multiplexed streams refuse new calls with `grpc:draining` (the client sends them again on a new stream) and end
   * once their running calls have answered.
   */
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
  'grpc.max_receive_message_length': maxMessageBytes,
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
  // Every method registered with `add` is also served multiplexed (proto/joinery/rpc/v1/mux.proto).
  const routes = new Map<string, Route>();
  const mux = createMuxHandler(routes, logger);
  server.addService(muxDefinition, { Call: mux.handler });
  // grpc.health.v1.Health/Check for Kubernetes' grpc probes (deploy/helm): SERVING while it accepts calls.
  const health: HealthState = { services: new Set() };
  server.addService(healthDefinition(), healthHandlers(health));

  return {
    add(service, impl) {
      const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
      const handlers: grpc.UntypedServiceImplementation = {};
      for (const [method, handler] of unaryHandlers(service, impl)) {
        definition[method.name] = {
          path: methodPath(method),
          requestStream: false,
          responseStream: false,
          originalName: method.localName,
          ...passThrough,
        };
        handlers[method.name] = serveUnary(method, handler, logger);
        routes.set(methodPath(method), { method, handler });
      }
      server.addService(definition, handlers);
      health.services.add(service.typeName);
    },

    listen(address, credentials = grpc.ServerCredentials.createInsecure()) {
      return new Promise((resolve, reject) => {
        server.bindAsync(address, credentials, (err, port) => (err === null ? resolve(port) : reject(err)));
      });
    },

    close(graceMs = 5000) {
      return new Promise((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        mux.drain();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** Serves one unary method: deadline and cancellation become the handler's AbortSignal, errors go through the table. */
function serveUnary(
  method: DescMethod,
  handler: UntypedHandler,
  logger: Logger | undefined,
): grpc.handleUnaryCall<Buffer, Buffer> {
  const path = methodPath(method);
  return (call, callback) => {
    const running = runServerCall(
      method,
      handler,
      call.request,
      { deadline: toDate(call.getDeadline()), metadata: call.metadata.getMap(), peer: call.getPeer() },
      logger,
    );
    const onCancelled = () => running.abort(grpcErrors.cancelled({ method: path }));
    call.on('cancelled', onCancelled);
    void running.answer.then((answer) => {
      call.off('cancelled', onCancelled);
      if (answer instanceof Uint8Array)
        callback(null, Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength));
      else callback({ code: answer.status, details: answer.message, metadata: wireErrorMetadata(answer) });
    });
  };
}

function toDate(deadline: grpc.Deadline): Date | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
