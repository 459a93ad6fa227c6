/**
 * The kind of failure, independent of transport. Each edge (gRPC status, HTTP status, BI ResultCode) maps kinds
 * and codes in exactly one table.
 */
export const errorKinds = [
  'invalid_argument',
  'not_found',
  'already_exists',
  'permission_denied',
  'unauthenticated',
  'failed_precondition',
  'resource_exhausted',
  'deadline_exceeded',
  'unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof errorKinds)[number];

/** Detail values are plain, non-secret facts (field names, limits, ids); never key material. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

/** Shown instead of the message of an `internal` error wherever an error leaves its process or thread. */
export const internalMessage = 'internal error';

/**
 * The one error class. `code` is stable and namespaced (`keys:mic_failed`, `claims:wrong_claim_code`); tests
 * assert codes, never message text. Messages must never contain secrets.
 */
export class JoineryError extends Error {
  override readonly name = 'JoineryError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    kind: ErrorKind,
    message: string,
    options?: { details?: ErrorDetails; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = kind;
    this.details = options?.details ?? {};
  }

  /** Whether an error is this one (by code), without caring about message text. */
  static is(err: unknown, code?: string): err is JoineryError {
    return err instanceof JoineryError && (code === undefined || err.code === code);
  }

  /** Turns anything caught into a JoineryError; unknown errors become `internal` and keep the cause. */
  static from(err: unknown): JoineryError {
    if (err instanceof JoineryError) return err;
    return new JoineryError('internal:unexpected', 'internal', internalMessage, { cause: err });
  }
}

export function isErrorKind(value: string): value is ErrorKind {
  return (errorKinds as readonly string[]).includes(value);
}

/**
 * One entry of an error catalogue: `[kind, message]`, or an object with `kind` and `message` and whatever else the
 * catalogue's owner keeps beside them (the wire registry keeps the Backend Interfaces result reason there).
 */
export type ErrorEntry =
  readonly [ErrorKind, string] | { readonly kind: ErrorKind; readonly message: string };

/**
 * Declares a package's error catalogue once: `const errors = defineErrors('keys', { mic_failed: ['invalid_argument', 'MIC check failed'] })`
 * (or `{ mic_failed: { kind: 'invalid_argument', message: 'MIC check failed', … } }`), then `throw errors.mic_failed()`
 * or `errors.mic_failed.code`.
 */
export function defineErrors<const T extends Record<string, ErrorEntry>>(
  namespace: string,
  catalogue: T,
): { [K in keyof T]: ErrorFactory } {
  const out = {} as { [K in keyof T]: ErrorFactory };
  for (const [name, entry] of Object.entries(catalogue) as [keyof T & string, ErrorEntry][]) {
    const [kind, message] = 'kind' in entry ? [entry.kind, entry.message] : entry;
    const code = `${namespace}:${name}`;
    const factory = ((details?: ErrorDetails, overrideMessage?: string, cause?: unknown) =>
      new JoineryError(code, kind, overrideMessage ?? message, {
        ...(details === undefined ? {} : { details }),
        ...(cause === undefined ? {} : { cause }),
      })) as ErrorFactory;
    Object.defineProperties(factory, {
      code: { value: code, enumerable: true },
      kind: { value: kind, enumerable: true },
    });
    out[name] = factory;
  }
  return out;
}

export interface ErrorFactory {
  (details?: ErrorDetails, message?: string, cause?: unknown): JoineryError;
  readonly code: string;
  readonly kind: ErrorKind;
}

/** A JoineryError as it may cross a boundary (gRPC, a worker thread): no cause, no internal message. */
export interface SafeError {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly details: ErrorDetails;
}

/** What of `thrown` may leave: its code, kind and details, and its message unless it is `internal`. */
export function safeError(thrown: unknown): SafeError {
  const err = JoineryError.from(thrown);
  return {
    code: err.code,
    kind: err.kind,
    message: err.kind === 'internal' ? internalMessage : err.message,
    details: err.details,
  };
}
