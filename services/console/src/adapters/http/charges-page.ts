import { consoleErrors } from '../../domain/errors.js';
import type { ChargeView } from '../../domain/ports.js';
import { pageLimitOf } from './paging.js';

const sortKey = (c: ChargeView) => `${c.chargedAt}|${c.devEui}`;
const cursorOf = (c: ChargeView) => Buffer.from(sortKey(c), 'utf8').toString('base64url');

/**
 * The charges list in both shapes: `charges` (the PRODUCT contract) and `items` + `nextCursor` (every collection).
 * Without `limit` and `cursor` every charge comes at once, as the contract has it; with either, a page of at most
 * `limit` (default 50) in charge-time order. A cursor names the last charge of its page (time and DevEUI: a device is
 * charged once), so charges recorded meanwhile neither repeat nor hide one.
 */
export function chargesPage(
  all: readonly ChargeView[],
  cursor: string | undefined,
  limit: string | undefined,
) {
  if (cursor === undefined && limit === undefined) return { charges: all, items: all, nextCursor: null };
  const size = pageLimitOf(limit);
  const after = cursor === undefined ? null : Buffer.from(cursor, 'base64url').toString('utf8');
  if (after !== null && !/^[^|]+\|[0-9A-F]{16}$/.test(after))
    throw consoleErrors.invalid_request(
      { at: 'querystring/cursor' },
      'querystring/cursor is not a cursor of this list',
    );
  const sorted = [...all].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  const rest = after === null ? sorted : sorted.filter((c) => sortKey(c) > after);
  const items = rest.slice(0, size);
  const last = items[items.length - 1];
  return {
    charges: items,
    items,
    nextCursor: rest.length > size && last !== undefined ? cursorOf(last) : null,
  };
}
