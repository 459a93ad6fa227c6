import { consoleErrors } from '../../domain/errors.js';

export const defaultPageLimit = 50;
export const maxPageLimit = 500;

/** `limit` of a collection query (1–500, default 50); a value above 500 is a 400, not silently cut. */
export function pageLimitOf(limit: string | undefined): number {
  if (limit === undefined) return defaultPageLimit;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > maxPageLimit)
    throw consoleErrors.invalid_request(
      { at: 'querystring/limit' },
      `querystring/limit must be 1–${maxPageLimit}`,
    );
  return n;
}

/** A collection page as every list route answers it. */
export const pageOf = <T>(items: readonly T[], nextCursor: string | null | undefined) => ({
  items,
  nextCursor: nextCursor === undefined || nextCursor === '' ? null : nextCursor,
});
