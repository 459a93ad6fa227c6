import { defineErrors } from '@joinery/errors';

/** Errors of the transport itself, when the other side sent no Joinery error code. */
export const grpcErrors = defineErrors('grpc', {
  cancelled: ['unavailable', 'call cancelled'],
  deadline_exceeded: ['deadline_exceeded', 'deadline exceeded'],
  unavailable: ['unavailable', 'service unavailable'],
  draining: ['unavailable', 'server shutting down'],
  unimplemented: ['internal', 'method not implemented by the server'],
  invalid_message: ['invalid_argument', 'message could not be decoded'],
  invalid_metadata: ['invalid_argument', 'invalid call metadata'],
  invalid_timeout: ['invalid_argument', 'timeout must be a non-negative number of milliseconds'],
  resource_exhausted: ['resource_exhausted', 'resource exhausted'],
  unauthenticated: ['unauthenticated', 'unauthenticated'],
  permission_denied: ['permission_denied', 'permission denied'],
  unknown: ['internal', 'unknown error'],
  internal: ['internal', 'internal error'],
  unsupported_method: ['failed_precondition', 'only unary methods are supported'],
});
