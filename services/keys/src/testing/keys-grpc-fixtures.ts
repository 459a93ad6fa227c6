import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MacVersion } from '@joinery/lorawan';
import type { HandleJoinRequestSchema } from '@joinery/proto/keys/v1/keys_pb';
import { bytesFromHex } from '../domain/hex.js';
import { joinRequestPhy } from './fake-key-vault.js';

export const fixtureJoinEui = bytesFromHex('00005eef10000001');

/** A HandleJoin request as the gateway sends it, for a device whose single root key is `rootKey`. */
export function handleJoinRequest(
  rootKey: Uint8Array,
  devEui: Uint8Array,
  devNonce: number,
  macVersion: MacVersion = '1.0.3',
  peer: MessageInitShape<typeof HandleJoinRequestSchema>['peer'] = {
    nwkKeyDelivery: { method: { case: 'kekLabel', value: 'ns:000013' } },
    appSKeyDelivery: { method: { case: 'kekLabel', value: 'as:as1' } },
    optNegAllowed: true,
  },
): MessageInitShape<typeof HandleJoinRequestSchema> {
  return {
    device: { devEui, joinEui: fixtureJoinEui, macVersion, accountId: 'acc-1', networkServerId: 'ns-1' },
    request: {
      phyPayload: joinRequestPhy(rootKey, fixtureJoinEui, devEui, devNonce),
      devAddr: bytesFromHex('260B1A2C'),
      netId: bytesFromHex('000013'),
      dlSettings: 0,
      rxDelay: 1,
      protocolVersion: '1.0',
    },
    peer,
  };
}
