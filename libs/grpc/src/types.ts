import type { DescMessage, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';

type MethodInput<S extends DescService, M extends keyof S['method']> = S['method'][M] extends {
  input: infer I extends DescMessage;
}
  ? I
  : never;
type MethodOutput<S extends DescService, M extends keyof S['method']> = S['method'][M] extends {
  output: infer O extends DescMessage;
}
  ? O
  : never;

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** When the caller stops waiting; `undefined` when it set no deadline. */
  readonly deadline: Date | undefined;
  /** Request metadata (lower-case keys; binary `-bin` entries and transport headers left out). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Aborted when the caller cancels or the deadline passes: hand it to I/O that should stop too. */
  readonly signal: AbortSignal;
  /** The caller's address as gRPC reports it (`127.0.0.1:53422`), or `in-process`. */
  readonly peer: string;
}

/** A service implementation: one async function per method, keyed by the method's `localName` (lowerCamel). */
export type ServiceImpl<S extends DescService> = {
  [M in keyof S['method']]: (
    request: MessageShape<MethodInput<S, M>>,
    context: CallContext,
  ) => Promise<MessageInitShape<MethodOutput<S, M>>>;
};

export interface CallOptions {
  /** Overrides the client's default deadline for this call. */
  timeoutMs?: number;
  /** Sent as request metadata; keys must be lower-case ASCII and not end in `-bin`. */
  metadata?: Record<string, string>;
  /** Aborting cancels the call; it then fails with `grpc:cancelled`. */
  signal?: AbortSignal;
}

/** A typed client: one async function per method. Failures are always `JoineryError`s. */
export type Client<S extends DescService> = {
  [M in keyof S['method']]: (
    request: MessageInitShape<MethodInput<S, M>>,
    options?: CallOptions,
  ) => Promise<MessageShape<MethodOutput<S, M>>>;
};

/** Used when neither the client nor the call sets a timeout. */
export const defaultTimeoutMs = 5000;
