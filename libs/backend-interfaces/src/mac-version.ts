import { isMacVersion, type MacVersion } from '@joinery/lorawan';
import { biErrors } from './errors.js';
import { fieldError } from './fields.js';

/** The normalized LoRaWAN MAC versions are `@joinery/lorawan`'s, declared once there. */
export { macVersions, type MacVersion } from '@joinery/lorawan';

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
  // LoRaWAN 1.1 is written without its patch number; every 1.0.x with it.
  const normalized = major === '1' && minor === '1' && patch === '0' ? '1.1' : `${major}.${minor}.${patch}`;
  if (isMacVersion(normalized)) return normalized;
  return fieldError(field, 'unsupported', biErrors.unsupported_mac_version);
}

export function isMacVersion11(version: MacVersion): boolean {
  return version === '1.1';
}
