import { safeError, type ErrorKind } from '@joinery/errors';

/** The one table from error kind to HTTP status for the management API. A test fails when a kind is missing. */
export const httpStatusByKind: Readonly<Record<ErrorKind, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503,
  deadline_exceeded: 504,
};

export interface RestError {
  readonly status: number;
  readonly body: { readonly error: { readonly code: string; readonly message: string } };
}

/**
 * `{error:{code,message}}` for anything thrown. The code is the error's name without its service namespace
 * (`claims:wrong_claim_code` → `wrong_claim_code`), as PRODUCT.md spells the claim errors; internal errors never
 * show their message.
 */
export function restErrorOf(thrown: unknown): RestError {
  const { kind, code, message } = safeError(thrown);
  return {
    status: httpStatusByKind[kind],
    body: { error: { code: code.slice(code.indexOf(':') + 1), message } },
  };
}
