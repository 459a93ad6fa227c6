import { claimsErrors } from './errors.js';
import { normalizeHex } from './identifiers.js';

/** Roaming agreements a device or an account may hold. */
export const maxRoamingNetIds = 64;

/**
 * NetIDs of roaming agreements as stored: 6 upper-case hex digits each, distinct, ascending. Anything else is
 * `claims:invalid_argument` and nothing is stored.
 */
export function parseRoamingNetIds(values: readonly string[]): readonly string[] {
  if (values.length > maxRoamingNetIds)
    throw claimsErrors.invalid_argument({ field: 'net_ids', reason: `at most ${maxRoamingNetIds}` });
  const netIds = values.map((v, i) => {
    const netId = normalizeHex(v, 3);
    if (netId === null)
      throw claimsErrors.invalid_argument({ field: `net_ids[${i}]`, reason: 'must be 3 bytes' });
    return netId;
  });
  return [...new Set(netIds)].sort();
}
