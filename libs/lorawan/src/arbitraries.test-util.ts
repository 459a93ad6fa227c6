// fast-check generators of LoRaWAN values, shared by the property and oracle tests.
import fc from 'fast-check';
import { AES128Key } from './aes128-key.js';
import type { CFList } from './cf-list.js';
import { DevAddr } from './dev-addr.js';
import { DevNonce } from './dev-nonce.js';
import type { DLSettings } from './dl-settings.js';
import { EUI64 } from './eui64.js';
import type { JoinAccept } from './join-accept.js';
import { JoinNonce } from './join-nonce.js';
import { NetID } from './net-id.js';
import type { RejoinRequest } from './rejoin-request.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

export const arbKey = bytes(16).map((b) => AES128Key.fromBytes(b));
export const arbEui = bytes(8).map((b) => EUI64.fromBytes(b));
export const arbNetId = fc.integer({ min: 0, max: 0xffffff }).map((n) => NetID.of(n));
export const arbDevAddr = fc.integer({ min: 0, max: 0xffffffff }).map((n) => DevAddr.of(n));
export const arbDevNonce = fc.integer({ min: 0, max: 0xffff }).map((n) => DevNonce.of(n));
export const arbJoinNonce = fc.integer({ min: 0, max: 0xffffff }).map((n) => JoinNonce.of(n));
export const arbCounter = fc.integer({ min: 0, max: 0xffff });
export const arbMic = bytes(4);

export const arbDLSettings: fc.Arbitrary<DLSettings> = fc.record({
  optNeg: fc.boolean(),
  rx1DrOffset: fc.integer({ min: 0, max: 7 }),
  rx2DataRate: fc.integer({ min: 0, max: 15 }),
});

export const arbCFList: fc.Arbitrary<CFList> = fc.oneof(
  fc
    .array(
      fc.integer({ min: 0, max: 0xffffff }).map((u) => u * 100),
      { minLength: 5, maxLength: 5 },
    )
    .map((frequencies) => ({ type: 0 as const, frequencies })),
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 5, maxLength: 5 })
    .map((chMasks) => ({ type: 1 as const, chMasks })),
);

/** Typed join-accept fields, as `decodeJoinAcceptPlaintext` returns them (without the MIC). */
export const arbJoinAcceptFields = fc.record(
  {
    joinNonce: arbJoinNonce,
    netId: arbNetId,
    devAddr: arbDevAddr,
    dlSettings: arbDLSettings,
    rxDelay: fc.integer({ min: 0, max: 255 }),
    cfList: arbCFList,
  },
  { requiredKeys: ['joinNonce', 'netId', 'devAddr', 'dlSettings', 'rxDelay'] },
) as fc.Arbitrary<Omit<JoinAccept, 'mic'>>;

export const arbJoinRequest = fc.record({ joinEui: arbEui, devEui: arbEui, devNonce: arbDevNonce });

/** The device's part of a `JoinCryptoContext`: its root keys and the identity of its join-request. */
export const arbJoinDevice = fc.record({
  nwkKey: arbKey,
  appKey: arbKey,
  devEui: arbEui,
  joinEui: arbEui,
  devNonce: arbDevNonce,
});

export const arbRejoinRequest: fc.Arbitrary<RejoinRequest> = fc.oneof(
  fc.record({
    rejoinType: fc.constantFrom(0 as const, 2 as const),
    netId: arbNetId,
    devEui: arbEui,
    rjCount0: arbCounter,
  }),
  fc.record({ rejoinType: fc.constant(1 as const), joinEui: arbEui, devEui: arbEui, rjCount1: arbCounter }),
);

/** A comparable plain view: value types become their JSON form, byte arrays hex. */
export function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)),
  );
}
