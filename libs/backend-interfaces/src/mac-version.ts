import { biErrors } from './errors.js';
import { fieldError } from './fields.js';

/** Normalized LoRaWAN MAC versions. */
export const macVersions = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.1'] as const;
export type MacVersion = (typeof macVersions)[number];

const wellFormed = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

/**
 * Lenient MACVersion: TTS sends `"1.0"` (= 1.0.0) … `"1.0.4"`, `"1.1"`; ChirpStack `"1.0.0"` … `"1.0.4"`, `"1.1.0"`.
 * A well-formed but unknown version (`"1.2"`, `"1.1.1"`) is `bi:unsupported_mac_version` (→ JoinReqFailed);
 * anything else is malformed.
 */
export function parseMacVersion(value: string, field = 'MACVersion'): MacVersion {
  const match = wellFormed.exec(value);
  if (match === null) return fieldError(field, 'not_allowed');
  const [, major, minor, patch = '0'] = match;
  if (major === '1' && minor === '0' && /^[0-4]$/.test(patch)) return `1.0.${patch}` as MacVersion;
  if (major === '1' && minor === '1' && patch === '0') return '1.1';
  return fieldError(field, 'unsupported', biErrors.unsupported_mac_version);
}

export function isMacVersion11(version: MacVersion): boolean {
  return version === '1.1';
}
