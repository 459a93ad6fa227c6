import { lorawanErrors } from './errors.js';

/** LoRaWAN MAC versions the Join Server answers; the crypto differs only between 1.0.x and 1.1. */
export const macVersions = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.1'] as const;
export type MacVersion = (typeof macVersions)[number];

export function isMacVersion(value: string): value is MacVersion {
  return (macVersions as readonly string[]).includes(value);
}

/** Whether a device of this version speaks the LoRaWAN 1.1 key hierarchy (NwkKey + AppKey, JS keys, OptNeg). */
export function isLoRaWAN11(version: MacVersion): boolean {
  if (!isMacVersion(version)) throw lorawanErrors.invalid_mac_version({ version: String(version) });
  return version === '1.1';
}
