import { consoleErrors } from '../../domain/errors.js';

/**
 * Unix ms of an RFC 3339 date-time the schema let through. The schema admits a leap second (`23:59:60`), which
 * JavaScript dates cannot hold: that is a 400, not a NaN for the service behind.
 */
export function instantOf(field: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw consoleErrors.invalid_request(
      { at: `querystring/${field}` },
      `querystring/${field} must be a date-time without a leap second`,
    );
  return ms;
}
