import { macVersionNamed, type MacVersion } from '@joinery/lorawan';
import { biErrors } from './errors.js';
import { fieldError } from './fields.js';

/** The normalized LoRaWAN MAC versions are `@joinery/lorawan`'s, declared once there with their facts. */
export { macVersions, type MacVersion } from '@joinery/lorawan';

const wellFormed = /^\d+\.\d+(?:\.\d+)?$/;

/**
 * Lenient MACVersion: TTS sends `"1.0"` (= 1.0.0) … `"1.0.4"`, `"1.1"`; ChirpStack `"1.0.0"` … `"1.0.4"`, `"1.1.0"`
 * (the aliases of `macVersionFacts`). A well-formed but unknown version (`"1.2"`, `"1.1.1"`) is
 * `bi:unsupported_mac_version` (→ JoinReqFailed); anything else is malformed.
 */
export function parseMacVersion(value: string, field = 'MACVersion'): MacVersion {
  if (!wellFormed.test(value)) return fieldError(field, 'not_allowed');
  return macVersionNamed(value) ?? fieldError(field, 'unsupported', biErrors.unsupported_mac_version);
}
