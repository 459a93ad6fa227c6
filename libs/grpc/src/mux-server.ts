import { create, fromBinary, toBinary, type DescMethod } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@joinery/logging';
import {
  CallRequestSchema,
  CallResponseSchema,
  MuxService,
  type CallRequest,
} from '@joinery/proto/rpc/v1/mux_pb';
import { maxMessageBytes, maxTimerMs, methodPath, type UntypedHandler } from './dispatch.js';
import { grpcErrors } from './grpc-errors.js';
import { runServerCall } from './server-call.js';
import { toWireError, type WireError } from './status.js';

export interface Route {
  readonly method: DescMethod;
  readonly handler: UntypedHandler;
}

type MuxCall = grpc.ServerDuplexStream<Buffer, Buffer>;

/** The gRPC path of the multiplexing method (`/joinery.rpc.v1.MuxService/Call`). */
export const muxPath = methodPath(MuxService.method.call);

const passThrough = (value: Buffer) => value;

/** The service definition grpc-js needs for the mux method; the bytes are decoded here, not by grpc-js. */
export const muxDefinition: grpc.ServiceDefinition = {
  Call: {
    path: muxPath,
    requestStream: true,
    responseStream: true,
    originalName: 'call',
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

/**
 * Serves unary calls multiplexed on bidirectional streams (proto/joinery/rpc/v1/mux.proto), through the same
 * routes, dispatch, error table and logging as the unary methods (`runServerCall`). `drain()` makes every open stream
 * refuse new calls with `grpc:draining`, finish the running ones and end, so that a graceful server shutdown is not held up by streams
 * that clients keep open for ever.
 */
export function createMuxHandler(
  routes: ReadonlyMap<string, Route>,
  logger: Logger | undefined,
): { handler: grpc.handleBidiStreamingCall<Buffer, Buffer>; drain(): void } {
  const streams = new Set<{ drain(): void }>();
  let draining = false;

  const handler = (call: MuxCall) => {
    const running = new Map<number, { abort(reason: unknown): void; cancelled: boolean }>();
    let ended = false;
    let closing = false;
    const peer = call.getPeer();
    const endWhenIdle = () => {
      if (ended || running.size > 0) return;
      ended = true;
      streams.delete(stream);
      call.end();
    };
    const stream = {
      drain() {
        closing = true;
        endWhenIdle();
      },
    };
    streams.add(stream);

    const respond = (id: number, answer: Uint8Array | WireError) => {
      if (ended) return;
      const response =
        answer instanceof Uint8Array
          ? create(CallResponseSchema, { id, payload: answer })
          : create(CallResponseSchema, {
              id,
              status: answer.status,
              message: answer.message,
              errorCode: answer.code,
              errorDetails: answer.details,
            });
      const bytes = toBinary(CallResponseSchema, response);
      call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    };

    call.on('data', (chunk: Buffer) => {
      // Frames already buffered behind an undecodable one, or after the client went away, are not served.
      if (ended) return;
      let request: CallRequest;
      try {
        request = fromBinary(CallRequestSchema, chunk);
      } catch (err) {
        // Without an id there is nobody to answer: the stream itself is broken.
        logger?.warn({ err, grpc_method: muxPath }, 'undecodable multiplexed call; closing the stream');
        abortAll(grpcErrors.cancelled({ method: muxPath }));
        ended = true;
        streams.delete(stream);
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'undecodable CallRequest' });
        return;
      }
      if (request.cancel) {
        // The client no longer waits: abort the handler, and send no answer.
        const target = running.get(request.id);
        if (target === undefined) return;
        target.cancelled = true;
        target.abort(grpcErrors.cancelled({ method: request.method }));
        return;
      }
      if (running.has(request.id)) {
        respond(
          request.id,
          toWireError(grpcErrors.invalid_message({ message: 'CallRequest', reason: 'id in use' })),
        );
        return;
      }
      const route = routes.get(request.method);
      if (route === undefined) {
        respond(request.id, unimplemented(request.method));
        return;
      }
      if (closing) {
        // Not run: the client sends it again on a new stream (mux-client.ts).
        respond(request.id, toWireError(grpcErrors.draining({ method: request.method })));
        return;
      }
      serveOne(request, route);
    });

    const serveOne = (request: CallRequest, route: Route) => {
      const { id } = request;
      const timeoutMs = Math.min(request.timeoutMs, maxTimerMs);
      const served = runServerCall(
        route.method,
        route.handler,
        request.payload,
        {
          deadline: timeoutMs === 0 ? undefined : new Date(Date.now() + timeoutMs),
          metadata: request.metadata,
          peer,
        },
        logger,
        { multiplexed: true },
      );
      const entry = { abort: served.abort, cancelled: false };
      running.set(id, entry);
      void served.answer.then((answer) => {
        running.delete(id);
        if (!entry.cancelled) respond(id, answerWithinLimit(request.method, answer));
        if (closing) endWhenIdle();
      });
    };

    const abortAll = (reason: unknown) => {
      for (const entry of running.values()) entry.abort(reason);
    };
    // The client went away (or cancelled the stream): stop the handlers; their answers have nowhere to go.
    call.on('cancelled', () => {
      ended = true;
      streams.delete(stream);
      abortAll(grpcErrors.cancelled({ method: muxPath }));
    });
    call.on('error', () => undefined);
    // The client half-closed: answer what is running, then end.
    call.on('end', () => stream.drain());
    if (draining) stream.drain();
  };

  return {
    handler,
    drain() {
      draining = true;
      for (const stream of [...streams]) stream.drain();
    },
  };
}

/**
 * The client's receive limit (4 MiB) applies to a whole stream message, and one message over it would fail the stream
 * and every call on it: an answer that large fails its own call instead, as RESOURCE_EXHAUSTED (a unary answer over
 * 4 MiB fails the same way).
 */
const muxMaxAnswerBytes = maxMessageBytes - 1024;

function answerWithinLimit(path: string, answer: Uint8Array | WireError): Uint8Array | WireError {
  if (!(answer instanceof Uint8Array) || answer.byteLength <= muxMaxAnswerBytes) return answer;
  return toWireError(
    grpcErrors.resource_exhausted({ method: path, bytes: answer.byteLength }, 'answer too large'),
  );
}

function unimplemented(path: string): WireError {
  return {
    status: grpc.status.UNIMPLEMENTED,
    kind: 'internal',
    message: `method ${path.slice(0, 200)} is not served here`,
    code: '',
    details: '',
  };
}
