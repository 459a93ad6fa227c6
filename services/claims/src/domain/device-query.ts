import { claimsErrors } from './errors.js';
import type { DeviceRecord, MacVersion } from './model.js';

/** Filters of a device list; each one unset (undefined) filters nothing. */
export interface DeviceQuery {
  readonly claimed?: boolean;
  readonly networkServerId?: string;
  readonly macVersion?: MacVersion;
  readonly activated?: boolean;
  /** Only devices whose last accepted join is at or after this instant. */
  readonly lastJoinSince?: Date;
  /** Upper-case hex, 1–16 digits. */
  readonly devEuiPrefix?: string;
}

/** `devEuiPrefix` as the store compares it (upper case), or `claims:invalid_argument`. */
export function parseDevEuiPrefix(value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^[0-9A-Fa-f]{1,16}$/.test(value))
    throw claimsErrors.invalid_argument({ field: 'dev_eui_prefix', reason: '1–16 hex digits' });
  return value.toUpperCase();
}

export function matchesDeviceQuery(device: DeviceRecord, query: DeviceQuery): boolean {
  if (query.claimed !== undefined && (device.accountId !== null) !== query.claimed) return false;
  if (query.networkServerId !== undefined && device.networkServerId !== query.networkServerId) return false;
  if (query.macVersion !== undefined && device.macVersion !== query.macVersion) return false;
  if (query.activated !== undefined && device.activated !== query.activated) return false;
  if (query.lastJoinSince !== undefined) {
    if (device.lastJoinAt === null || Date.parse(device.lastJoinAt) < query.lastJoinSince.getTime())
      return false;
  }
  if (query.devEuiPrefix !== undefined && !device.devEui.startsWith(query.devEuiPrefix)) return false;
  return true;
}

/**
 * The index position just before the first DevEUI with this prefix (for `indexRange`'s exclusive `after`): the
 * prefix padded with zeros to 16 digits, minus one; null when that is the very first DevEUI.
 */
export function positionBeforePrefix(prefix: string): string | null {
  const first = BigInt(`0x${prefix.padEnd(16, '0')}`);
  return first === 0n ? null : (first - 1n).toString(16).toUpperCase().padStart(16, '0');
}
