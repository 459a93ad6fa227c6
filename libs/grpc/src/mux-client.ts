import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { CallRequestSchema, CallResponseSchema, type CallResponse } from '@joinery/proto/rpc/v1/mux_pb';
import { grpcErrors } from './grpc-errors.js';
import { muxPath } from './mux-server.js';
import { fromWireError } from './status.js';

/** One call as the multiplexed stream sees it: the bytes to send and where its answer goes. */
export interface MuxCallInit {
  readonly path: string;
  readonly request: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

interface Pending {
  readonly init: MuxCallInit;
  /** `performance.now()` when the call was made: a replay gets only what is left of its timeout. */
  readonly startedAt: number;
  /** Whether this call was already sent again on a new stream (at most once). */
  readonly resent: boolean;
  readonly stream: Stream;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (err: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly onAbort: () => void;
}

interface Stream {
  readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  /** Whether any answer came back on it (a stream refused as UNIMPLEMENTED never answers). */
  answered: boolean;
  open: boolean;
}

const passThrough = (value: Buffer) => value;

/**
 * Requests at least this big go as unary calls: the receive limit (4 MiB) applies to a whole stream message, and one
 * message over it would fail the stream and every call on it. Batches this big gain nothing from the mux anyway.
 */
const muxMaxRequestBytes = 1024 * 1024;

/** After a server refused the mux (UNIMPLEMENTED), calls go unary for this long, then the mux is tried again. */
const unsupportedRetryMs = 60_000;

export interface MuxCaller {
  (init: MuxCallInit): Promise<Uint8Array>;
  /** Cancels the stream: calls in flight fail with `grpc:cancelled`, later ones go (and fail) as unary calls. */
  close(): void;
}

/**
 * The client side of proto/joinery/rpc/v1/mux.proto on one grpc-js channel: unary calls become messages on one
 * long-lived bidirectional stream, opened at the first call and again after it ended or failed. Deadlines run on a
 * timer here (the server gets the timeout and aborts its handler on its own); a deadline or an aborted signal also
 * tells the server to abort the handler. When the stream fails, the calls on it fail with its status, as unary calls
 * on a lost connection do. A server that does not serve the mux (UNIMPLEMENTED before any answer) gets the same calls
 * as plain unary calls through `unary` (none of them had run), and so do later calls for a minute. A draining server
 * refuses new calls with `grpc:draining`: they are sent once more on a new stream. Requests of 1 MiB or more always
 * go unary.
 */
export function createMuxCaller(
  channel: grpc.Client,
  unary: (init: MuxCallInit) => Promise<Uint8Array>,
): MuxCaller {
  const pending = new Map<number, Pending>();
  let stream: Stream | undefined;
  let nextId = 1;
  let unsupportedUntil = -Infinity;
  let closed = false;

  /** The same call again, with what is left of its timeout. */
  const replay = (entry: Pending, via: (init: MuxCallInit) => Promise<Uint8Array>) => {
    const left = Math.max(0, entry.init.timeoutMs - (performance.now() - entry.startedAt));
    via({ ...entry.init, timeoutMs: Math.round(left) }).then(entry.resolve, entry.reject);
  };

  const openStream = (): Stream => {
    const call = channel.makeBidiStreamRequest(muxPath, passThrough, passThrough, new grpc.Metadata(), {});
    const opened: Stream = { call, answered: false, open: true };
    call.on('data', (chunk: Buffer) => {
      opened.answered = true;
      let response: CallResponse;
      try {
        response = fromBinary(CallResponseSchema, chunk);
      } catch (err) {
        failStream(opened, grpcErrors.invalid_message({ message: 'CallResponse' }, undefined, err));
        call.cancel();
        return;
      }
      const entry = pending.get(response.id);
      if (entry === undefined || entry.stream !== opened) return; // timed out or cancelled meanwhile
      settle(response.id, entry);
      if (response.errorCode === grpcErrors.draining.code && !entry.resent) {
        // The server is shutting down and did not run the call: no new calls on this stream (the channel has had
        // the server's GOAWAY, so a new stream takes a new connection), and this one is sent once more.
        if (stream === opened) stream = undefined;
        replay(entry, (init) => send(init, true));
        return;
      }
      if (response.status === 0) {
        entry.resolve(response.payload);
      } else {
        entry.reject(
          fromWireError(
            response.status,
            response.message,
            response.errorCode === '' ? undefined : response.errorCode,
            response.errorDetails === '' ? undefined : response.errorDetails,
          ),
        );
      }
    });
    call.on('status', (status: grpc.StatusObject) => {
      opened.open = false;
      if (stream === opened) stream = undefined;
      if (status.code === grpc.status.UNIMPLEMENTED && !opened.answered) {
        unsupportedUntil = performance.now() + unsupportedRetryMs;
        for (const entry of takeCallsOn(opened)) replay(entry, unary);
        return;
      }
      failStream(
        opened,
        status.code === grpc.status.OK
          ? grpcErrors.unavailable({ method: muxPath }, 'the server ended the multiplexed stream')
          : fromWireError(status.code, status.details, undefined, undefined),
      );
    });
    // Errors also arrive as 'status'; without a listener an 'error' event would throw.
    call.on('error', () => undefined);
    return opened;
  };

  const failStream = (failed: Stream, err: unknown) => {
    failed.open = false;
    if (stream === failed) stream = undefined;
    for (const entry of takeCallsOn(failed)) entry.reject(err);
  };

  /** Settles and returns the calls still waiting on `target`. */
  const takeCallsOn = (target: Stream): Pending[] => {
    const taken: Pending[] = [];
    for (const [id, entry] of [...pending]) {
      if (entry.stream !== target) continue;
      settle(id, entry);
      taken.push(entry);
    }
    return taken;
  };

  const settle = (id: number, entry: Pending) => {
    pending.delete(id);
    clearTimeout(entry.timer);
    entry.init.signal?.removeEventListener('abort', entry.onAbort);
  };

  const write = (target: Stream, message: MessageInitShape<typeof CallRequestSchema>) => {
    if (!target.open) return;
    const bytes = toBinary(CallRequestSchema, create(CallRequestSchema, message));
    target.call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };

  const takeId = (): number => {
    for (;;) {
      const id = nextId;
      nextId = nextId >= 0xffff_ffff ? 1 : nextId + 1;
      if (!pending.has(id)) return id;
    }
  };

  const send = (init: MuxCallInit, resent: boolean): Promise<Uint8Array> => {
    if (closed || performance.now() < unsupportedUntil || init.request.byteLength >= muxMaxRequestBytes)
      return unary(init);
    stream ??= openStream();
    const target = stream;
    const id = takeId();
    return new Promise<Uint8Array>((resolve, reject) => {
      const giveUp = (err: unknown) => {
        const entry = pending.get(id);
        if (entry === undefined) return;
        settle(id, entry);
        write(target, { id, method: init.path, cancel: true });
        reject(err);
      };
      const timer = setTimeout(
        () => giveUp(grpcErrors.deadline_exceeded({ method: init.path })),
        init.timeoutMs,
      );
      const onAbort = () =>
        giveUp(grpcErrors.cancelled({ method: init.path }, undefined, init.signal?.reason));
      const startedAt = performance.now();
      pending.set(id, { init, startedAt, resent, stream: target, resolve, reject, timer, onAbort });
      init.signal?.addEventListener('abort', onAbort, { once: true });
      write(target, {
        id,
        method: init.path,
        payload: init.request,
        timeoutMs: Math.max(1, init.timeoutMs),
        metadata: init.metadata,
      });
    });
  };

  return Object.assign((init: MuxCallInit) => send(init, false), {
    close() {
      closed = true;
      stream?.call.cancel();
      stream = undefined;
    },
  });
}
