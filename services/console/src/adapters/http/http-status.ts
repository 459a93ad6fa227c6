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
  const { kind, code, message, details } = safeError(thrown);
  return {
    status: httpStatusByKind[kind],
    body: { error: { code: code.slice(code.indexOf(':') + 1), message: explained(message, details) } },
  };
}

/**
 * The message with what is wrong, when the error's details say it and the message does not yet: `invalid device
 * batch: row 3: devEui must be 16 hex digits`, `invalid argument: account_id admins list by account_id or batch_id`.
 * Only `row`, `field` and `reason` are used: details that are meant to be shown.
 */
function explained(message: string, details: Readonly<Record<string, unknown>>): string {
  const { row, field, reason } = details;
  if (typeof reason !== 'string' || reason === '' || message.includes(reason)) return message;
  const where = [
    ...(typeof row === 'number' && row > 0 ? [`row ${row}:`] : []),
    ...(typeof field === 'string' && field !== '' ? [field] : []),
  ].join(' ');
  return `${message}: ${where === '' ? '' : `${where} `}${reason}`;
}

/**
 * Fastify's own errors (before or around a route: URL, content type, body), as the API answers them: a stable code
 * and a message in words that never echoes the request. Anything else Fastify refuses with a 4xx is `bad_request`.
 */
export const fastifyErrors: Readonly<Record<string, RestError>> = {
  FST_ERR_BAD_URL: rest(400, 'bad_url', 'the URL is not valid (a malformed percent-encoding)'),
  FST_ERR_MAX_PARAM_LENGTH: rest(414, 'uri_too_long', 'a path segment of the URL is too long'),
  FST_ERR_CTP_BODY_TOO_LARGE: rest(413, 'body_too_large', 'the body is too large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: rest(415, 'unsupported_media_type', 'the body must be application/json'),
  FST_ERR_CTP_INVALID_TYPE: rest(415, 'unsupported_media_type', 'the body must be application/json'),
  FST_ERR_CTP_EMPTY_JSON_BODY: rest(
    415,
    'unsupported_media_type',
    'an empty body cannot be application/json: send a JSON body or no Content-Type',
  ),
  FST_ERR_CTP_INVALID_JSON_BODY: rest(400, 'invalid_json', 'the body is not valid JSON'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: rest(
    400,
    'invalid_content_length',
    'Content-Length does not match the body',
  ),
};

function rest(status: number, code: string, message: string): RestError {
  return { status, body: { error: { code, message } } };
}

/** A Fastify error (code `FST_…`, or a 4xx with a status code and no Joinery code) as the API answers it. */
export function fastifyRestErrorOf(err: { code?: string; statusCode?: number }): RestError | undefined {
  const known = err.code === undefined ? undefined : fastifyErrors[err.code];
  if (known !== undefined) return known;
  const status = err.statusCode ?? 0;
  if (err.code?.startsWith('FST_') === true && status >= 400 && status < 500)
    return rest(status, 'bad_request', 'the request is malformed');
  // JSON syntax errors from the body parser.
  if (err.code === undefined && status === 400)
    return rest(400, 'invalid_json', 'the body is not valid JSON');
  return undefined;
}
