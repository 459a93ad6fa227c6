import { isMacVersion, type MacVersion } from '@joinery/lorawan';

// The protobuf fields carry a MAC version as its canonical LoRaWAN string ("1.0.3", "1.1"), like events.proto; these
// two are the one conversion point between that string and `@joinery/lorawan`'s `MacVersion`.

export function macVersionToProto(version: MacVersion): string {
  return version;
}

/**
 * The MAC version a protobuf `mac_version` names; undefined for an empty field or a string that is not one of
 * `macVersions` (an alias such as "1.1.0" included: the wire carries canonical names only).
 */
export function macVersionFromProto(value: string): MacVersion | undefined {
  return isMacVersion(value) ? value : undefined;
}
