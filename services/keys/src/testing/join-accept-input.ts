import type { JoinAcceptInput } from '../domain/key-vault.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** The JoinEUI of `joinAcceptInput`'s requests. */
export const testJoinEui = hex('70B3D57ED0000001');

/**
 * The vault tests' join-accept request for `devEui`: a LoRaWAN 1.0.3 join (JoinEUI 70B3D57ED0000001, DevNonce 0x1234,
 * JoinNonce 1, NetID 000013, DevAddr 26011234, RX1 delay 1 s), both keys delivered in plaintext and the AppSKey kept
 * under the storage KEK `storage`; `overrides` replace any of these.
 */
export function joinAcceptInput(
  overrides: Partial<JoinAcceptInput> & { devEui: Uint8Array },
): JoinAcceptInput {
  return {
    joinEui: testJoinEui,
    macVersion: '1.0.3',
    joinType: 'join',
    devNonce: 0x1234,
    joinNonce: 1,
    netId: hex('000013'),
    devAddr: hex('26011234'),
    dlSettings: 0,
    rxDelay: 1,
    optNeg: false,
    nwkKeyDelivery: { plaintext: true },
    appSKeyDelivery: { plaintext: true },
    storageKekLabel: 'storage',
    ...overrides,
  };
}
