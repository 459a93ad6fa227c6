import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AES128Key } from './aes128-key.js';
import {
  arbJoinAcceptFields,
  arbJoinDevice,
  arbJoinRequest,
  arbKey,
  arbMic,
  arbRejoinRequest,
  plain,
} from './arbitraries.test-util.js';
import { decodeCFList, encodeCFList } from './cf-list.js';
import { DevAddr } from './dev-addr.js';
import { decodeDLSettings, encodeDLSettings } from './dl-settings.js';
import { EUI64 } from './eui64.js';
import { JoinReqType, decodeJoinAcceptPlaintext, joinAcceptPlaintext } from './join-accept.js';
import { type JoinCryptoContext, buildJoinAccept, openJoinAccept } from './join-accept-crypto.js';
import { decodeJoinRequest, encodeJoinRequest } from './join-request.js';
import { keyUnwrap, keyWrap } from './key-wrap.js';
import { joinRequestMic, rejoinMic, verifyJoinRequestMic, verifyRejoinMic } from './mic.js';
import { NetID } from './net-id.js';
import { rfc3394Unwrap, rfc3394Wrap } from './rfc3394.test-util.js';
import { decodeRejoinRequest, encodeRejoinRequest } from './rejoin-request.js';

const runs = { numRuns: 200 };

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

/** Verification that may also reject by throwing a typed decode error (e.g. a flipped MHDR bit): both count as "fails". */
function passes(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

test('value types: parse(toString) and fromWire(toWire) are identities', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (b) => {
      const eui = EUI64.fromBytes(b);
      assert.ok(EUI64.parse(eui.toString()).equals(eui));
      assert.ok(EUI64.parse(`0x${eui.toString().toLowerCase()}`).equals(eui));
      assert.ok(EUI64.fromWire(eui.toWire()).equals(eui));
      const addr = DevAddr.fromBytes(b.subarray(0, 4));
      assert.ok(DevAddr.parse(addr.toString()).equals(addr) && DevAddr.fromWire(addr.toWire()).equals(addr));
      const netId = NetID.fromBytes(b.subarray(0, 3));
      assert.ok(NetID.parse(netId.toString()).equals(netId) && NetID.fromWire(netId.toWire()).equals(netId));
      const key = AES128Key.fromBytes(Uint8Array.of(...b, ...b));
      assert.ok(AES128Key.parse(key.toHex()).equals(key));
    }),
    runs,
  );
});

/** decode(encode(x, mic)) gives back x and its MIC, for every x of `arb`. */
function assertRoundTrips<T extends object>(
  arb: fc.Arbitrary<T>,
  encode: (value: T, mic: Uint8Array) => Uint8Array,
  decode: (bytes: Uint8Array) => unknown,
): void {
  fc.assert(
    fc.property(arb, arbMic, (value, mic) => {
      assert.deepEqual(plain(decode(encode(value, mic))), plain({ ...value, mic }));
    }),
    runs,
  );
}

test('join-request: decode(encode(x)) = x', () => {
  assertRoundTrips(arbJoinRequest, encodeJoinRequest, decodeJoinRequest);
});

test('rejoin-request types 0/1/2: decode(encode(x)) = x', () => {
  assertRoundTrips(arbRejoinRequest, encodeRejoinRequest, decodeRejoinRequest);
});

test('join-accept plaintext (with and without CFList, both types): decode(encode(x)) = x', () => {
  assertRoundTrips(arbJoinAcceptFields, joinAcceptPlaintext, decodeJoinAcceptPlaintext);
});

test('DLSettings and CFList: byte-level round trips', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), (byte) =>
      assert.equal(encodeDLSettings(decodeDLSettings(byte)), byte),
    ),
    runs,
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (raw, chMask) => {
      const bytes = Uint8Array.from(raw);
      bytes[15] = chMask ? 1 : 0;
      if (chMask) bytes.fill(0, 10, 15);
      assert.deepEqual(encodeCFList(decodeCFList(bytes)), bytes);
    }),
    runs,
  );
});

test('full join-accept: openJoinAccept(buildJoinAccept(x)) gives back the fields and the same session keys (1.0, 1.1 as 1.0, 1.1 join and rejoins)', () => {
  const schemes = fc.constantFrom(
    { macVersion: '1.0.2' as const, optNeg: false, joinReqType: JoinReqType.joinRequest },
    { macVersion: '1.0.4' as const, optNeg: false, joinReqType: JoinReqType.joinRequest },
    { macVersion: '1.1' as const, optNeg: false, joinReqType: JoinReqType.joinRequest },
    { macVersion: '1.1' as const, optNeg: true, joinReqType: JoinReqType.joinRequest },
    { macVersion: '1.1' as const, optNeg: true, joinReqType: JoinReqType.rejoin0 },
    { macVersion: '1.1' as const, optNeg: true, joinReqType: JoinReqType.rejoin1 },
    { macVersion: '1.1' as const, optNeg: true, joinReqType: JoinReqType.rejoin2 },
  );
  fc.assert(
    fc.property(schemes, arbJoinDevice, arbJoinAcceptFields, (scheme, device, fields) => {
      const ctx: JoinCryptoContext = { ...scheme, ...device };
      const built = buildJoinAccept(ctx, fields);
      const opened = openJoinAccept(ctx, built.phyPayload);
      const expectedFields = {
        ...fields,
        dlSettings: { ...fields.dlSettings, optNeg: scheme.optNeg },
        mic: built.mic,
      };
      assert.deepEqual(plain(opened.joinAccept), plain(expectedFields));
      assert.equal(opened.sessionKeys.optNeg, scheme.optNeg);
      const keyHex = (k: object) =>
        Object.fromEntries(Object.entries(k).map(([n, v]) => [n, v instanceof AES128Key ? v.toHex() : v]));
      assert.deepEqual(keyHex(opened.sessionKeys), keyHex(built.sessionKeys));
    }),
    { numRuns: 100 },
  );
});

/** A frame MIC'd under `key` verifies, and fails verification once any single bit of it is flipped. */
function assertMicProtects<T>(
  arb: fc.Arbitrary<T>,
  mic: (key: AES128Key, value: T) => Uint8Array,
  encode: (value: T, mic: Uint8Array) => Uint8Array,
  verify: (key: AES128Key, phy: Uint8Array) => boolean,
): void {
  fc.assert(
    fc.property(arbKey, arb, fc.nat(), (key, value, n) => {
      const phy = encode(value, mic(key, value));
      assert.equal(verify(key, phy), true);
      assert.equal(
        passes(() => verify(key, flipBit(phy, n % (phy.length * 8)))),
        false,
      );
    }),
    runs,
  );
}

test('any single-bit change to a MIC-protected frame fails verification', () => {
  assertMicProtects(arbJoinRequest, joinRequestMic, encodeJoinRequest, verifyJoinRequestMic);
  assertMicProtects(arbRejoinRequest, rejoinMic, encodeRejoinRequest, verifyRejoinMic);
  fc.assert(
    fc.property(arbJoinDevice, arbJoinAcceptFields, fc.boolean(), fc.nat(), (device, fields, is11, n) => {
      const ctx: JoinCryptoContext = { macVersion: is11 ? '1.1' : '1.0.3', ...device };
      const phy = buildJoinAccept(ctx, fields).phyPayload;
      // Bits after the MHDR: those are covered by the MIC (the MHDR is checked by the decoder).
      const bit = 8 + (n % ((phy.length - 1) * 8));
      assert.throws(() => openJoinAccept(ctx, flipBit(phy, bit)), { code: 'lorawan:mic_mismatch' });
    }),
    runs,
  );
});

test('RFC 3394: unwrap(wrap(k)) = k for 128/192/256-bit KEKs, and both agree with the RFC-text reference', () => {
  const kekLength = fc.constantFrom(16, 24, 32);
  fc.assert(
    fc.property(
      kekLength.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
      fc
        .integer({ min: 2, max: 8 })
        .chain((blocks) => fc.uint8Array({ minLength: blocks * 8, maxLength: blocks * 8 })),
      (kek, keyData) => {
        const wrapped = keyWrap(kek, keyData);
        assert.equal(wrapped.length, keyData.length + 8);
        assert.deepEqual(keyUnwrap(kek, wrapped), keyData);
        assert.deepEqual(rfc3394Wrap(kek, keyData), wrapped);
        assert.deepEqual(rfc3394Unwrap(kek, wrapped), keyData);
        const corrupted = Uint8Array.from(wrapped);
        corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] as number) ^ 1;
        assert.equal(rfc3394Unwrap(kek, corrupted), undefined);
        assert.throws(() => keyUnwrap(kek, corrupted), { code: 'lorawan:key_unwrap_failed' });
      },
    ),
    runs,
  );
});
