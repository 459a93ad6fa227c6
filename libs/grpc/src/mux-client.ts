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
 * The client side of proto/joinery/rpc/v1/mux.proto on one grpc-js channel: unary calls become messages on one
 * long-lived bidirectional stream, opened at the first call and again after it ended or failed. Deadlines run on a
 * timer here (the server gets the timeout and aborts its handler on its own); a deadline or an aborted signal also
 * tells the server to abort the handler. When the stream fails, the calls on it fail with its status, as unary calls
 * on a lost connection do. A server that does not serve the mux (UNIMPLEMENTED before any answer) gets the same calls
 * as plain unary calls through `unary`, from then on: none of them had run.
 */
export function createMuxCaller(
  channel: grpc.Client,
  unary: (init: MuxCallInit) => Promise<Uint8Array>,
): (init: MuxCallInit) => Promise<Uint8Array> {
  const pending = new Map<number, Pending>();
  let stream: Stream | undefined;
  let nextId = 1;
  let supported = true;

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
        supported = false;
        for (const [id, entry] of [...pending]) {
          if (entry.stream !== opened) continue;
          settle(id, entry);
          unary(entry.init).then(entry.resolve, entry.reject);
        }
        return;
      }
      const code = status.code === grpc.status.OK ? grpc.status.UNAVAILABLE : status.code;
      failStream(opened, fromWireError(code, status.details, undefined, undefined));
    });
    // Errors also arrive as 'status'; without a listener an 'error' event would throw.
    call.on('error', () => undefined);
    return opened;
  };

  const failStream = (failed: Stream, err: unknown) => {
    failed.open = false;
    if (stream === failed) stream = undefined;
    for (const [id, entry] of [...pending]) {
      if (entry.stream !== failed) continue;
      settle(id, entry);
      entry.reject(err);
    }
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

  return (init) => {
    if (!supported) return unary(init);
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
      pending.set(id, { init, stream: target, resolve, reject, timer, onAbort });
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
}
