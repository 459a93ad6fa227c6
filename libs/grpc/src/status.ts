import { status as Status, Metadata } from '@grpc/grpc-js';
import { JoineryError, errorKinds, safeError, type ErrorDetails, type ErrorKind } from '@joinery/errors';
import { grpcErrors } from './grpc-errors.js';

/** The one table from error kind to gRPC status. A test fails when a kind is missing. */
export const statusByKind: Readonly<Record<ErrorKind, Status>> = {
  invalid_argument: Status.INVALID_ARGUMENT,
  not_found: Status.NOT_FOUND,
  already_exists: Status.ALREADY_EXISTS,
  permission_denied: Status.PERMISSION_DENIED,
  unauthenticated: Status.UNAUTHENTICATED,
  failed_precondition: Status.FAILED_PRECONDITION,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  deadline_exceeded: Status.DEADLINE_EXCEEDED,
  unavailable: Status.UNAVAILABLE,
  internal: Status.INTERNAL,
};

const kindByStatus = new Map<Status, ErrorKind>(errorKinds.map((kind) => [statusByKind[kind], kind]));

/** Errors for statuses that came without a Joinery code (the transport or a foreign server made them). */
const transportErrorByStatus = new Map<Status, (typeof grpcErrors)[keyof typeof grpcErrors]>([
  [Status.CANCELLED, grpcErrors.cancelled],
  [Status.DEADLINE_EXCEEDED, grpcErrors.deadline_exceeded],
  [Status.UNAVAILABLE, grpcErrors.unavailable],
  [Status.UNIMPLEMENTED, grpcErrors.unimplemented],
  [Status.RESOURCE_EXHAUSTED, grpcErrors.resource_exhausted],
  [Status.UNAUTHENTICATED, grpcErrors.unauthenticated],
  [Status.PERMISSION_DENIED, grpcErrors.permission_denied],
  [Status.INVALID_ARGUMENT, grpcErrors.invalid_message],
  [Status.INTERNAL, grpcErrors.internal],
]);

export const errorCodeHeader = 'joinery-error-code';
export const errorDetailsHeader = 'joinery-error-details';

/** What the server sends for a thrown error: status, a message safe to show the caller, and trailers. */
export interface WireError {
  readonly status: Status;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly code: string;
  readonly details: string;
}

export function toWireError(thrown: unknown): WireError {
  const err = safeError(thrown);
  return { ...err, status: statusByKind[err.kind], details: JSON.stringify(err.details) };
}

export function wireErrorMetadata(wire: WireError): Metadata {
  const metadata = new Metadata();
  metadata.set(errorCodeHeader, wire.code);
  metadata.set(errorDetailsHeader, wire.details);
  return metadata;
}

/** Rebuilds the server's JoineryError from a status, its message and the trailers. */
export function fromWireError(
  status: Status,
  message: string,
  code: string | undefined,
  details: string | undefined,
  cause?: unknown,
): JoineryError {
  const kind = kindByStatus.get(status);
  const options = cause === undefined ? {} : { cause };
  if (code !== undefined && kind !== undefined && /^[a-z0-9_]+:[a-z0-9_.]+$/i.test(code)) {
    return new JoineryError(code, kind, message, { ...options, details: parseDetails(details) });
  }
  const factory = transportErrorByStatus.get(status) ?? grpcErrors.unknown;
  return factory({ status: Status[status] ?? String(status) }, message === '' ? undefined : message, cause);
}

function parseDetails(text: string | undefined): ErrorDetails {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        out[key] = value;
    }
    return out;
  } catch {
    return {};
  }
}
