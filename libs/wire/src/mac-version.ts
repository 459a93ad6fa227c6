import { macVersions, type MacVersion } from '@joinery/lorawan';
import { MacVersion as MacVersionPb } from '@joinery/proto/keys/v1/keys_pb';

/** The one table between the protobuf `MacVersion` and the LoRaWAN MAC versions of `@joinery/lorawan`. */
const toProto: Readonly<Record<MacVersion, MacVersionPb>> = {
  '1.0.0': MacVersionPb.MAC_VERSION_1_0_0,
  '1.0.1': MacVersionPb.MAC_VERSION_1_0_1,
  '1.0.2': MacVersionPb.MAC_VERSION_1_0_2,
  '1.0.3': MacVersionPb.MAC_VERSION_1_0_3,
  '1.0.4': MacVersionPb.MAC_VERSION_1_0_4,
  '1.1': MacVersionPb.MAC_VERSION_1_1,
};

const fromProto = new Map<MacVersionPb, MacVersion>(macVersions.map((v) => [toProto[v], v]));

export function macVersionToProto(version: MacVersion): MacVersionPb {
  return toProto[version];
}

/** The MAC version a protobuf value names; undefined for `MAC_VERSION_UNSPECIFIED` or a value this build lacks. */
export function macVersionFromProto(value: MacVersionPb): MacVersion | undefined {
  return fromProto.get(value);
}
