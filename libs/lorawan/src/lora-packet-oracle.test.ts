// lora-packet 0.9.3 as an independent second implementation, on random keys and fields. Its quirks (vectors
// README, finding 10) are worked around here: it takes big-endian fields, uses its NwkSKey argument as JSIntKey
// for 1.1 join-accepts, and needs JoinEUI/DevNonce attached to a parsed join-accept to check a 1.1 MIC.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import lpImport from 'lora-packet';
import {
  arbDevNonce,
  arbEui,
  arbJoinAcceptFields,
  arbJoinDevice,
  arbJoinNonce,
  arbJoinRequest,
  arbKey,
  arbNetId,
  arbRejoinRequest,
} from './arbitraries.test-util.js';
import { encodeCFList } from './cf-list.js';
import { JoinReqType } from './join-accept.js';
import { buildJoinAccept } from './join-accept-crypto.js';
import { encodeJoinRequest } from './join-request.js';
import { joinRequestMic, rejoinMic } from './mic.js';
import { encodeRejoinRequest } from './rejoin-request.js';
import { deriveJsKeys, deriveSessionKeys10, deriveSessionKeys11 } from './session-keys.js';
import type { AES128Key } from './aes128-key.js';

// lora-packet is CommonJS with `exports.default`; depending on the loader's interop, the default import is the
// module object or already its `default`.
const lp = ('default' in lpImport ? lpImport.default : lpImport) as typeof lpImport.default;
const runs = { numRuns: 100 };
const buf = (key: AES128Key) => Buffer.from(key.bytes());
const hexOf = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

test('oracle: join-request MIC and parsed fields agree with lora-packet', () => {
  fc.assert(
    fc.property(arbKey, arbJoinRequest, (key, request) => {
      const phy = encodeJoinRequest(request, joinRequestMic(key, request));
      const packet = lp.fromWire(Buffer.from(phy));
      assert.equal(lp.verifyMIC(packet, undefined, buf(key)), true);
      assert.equal(hexOf(packet.AppEUI), hexOf(request.joinEui.bytes()));
      assert.equal(hexOf(packet.DevEUI), hexOf(request.devEui.bytes()));
      assert.equal(hexOf(packet.DevNonce), request.devNonce.toString().toLowerCase());
    }),
    runs,
  );
});

test('oracle: rejoin MICs (types 0/2 under SNwkSIntKey, type 1 under JSIntKey) agree with lora-packet', () => {
  fc.assert(
    fc.property(arbKey, arbRejoinRequest, (key, request) => {
      const packet = lp.fromWire(Buffer.from(encodeRejoinRequest(request, rejoinMic(key, request))));
      const ok =
        request.rejoinType === 1 ? lp.verifyMIC(packet, undefined, buf(key)) : lp.verifyMIC(packet, buf(key));
      assert.equal(ok, true);
    }),
    runs,
  );
});

test('oracle: session keys 1.0 and 1.1 and JS keys agree with lora-packet', () => {
  fc.assert(
    fc.property(
      arbKey,
      arbKey,
      arbJoinNonce,
      arbNetId,
      arbEui,
      arbEui,
      arbDevNonce,
      (nwkKey, appKey, joinNonce, netId, joinEui, devEui, devNonce) => {
        const be = (wire: Uint8Array) => Buffer.from(wire).reverse();
        const ref10 = lp.generateSessionKeys10(
          buf(nwkKey),
          Buffer.from(netId.bytes()),
          be(joinNonce.toWire()),
          be(devNonce.toWire()),
        );
        const ours10 = deriveSessionKeys10(nwkKey, joinNonce, netId, devNonce);
        assert.equal(ref10.NwkSKey.toString('hex'), ours10.nwkSKey.toHex());
        assert.equal(ref10.AppSKey.toString('hex'), ours10.appSKey.toHex());
        const ref11 = lp.generateSessionKeys11(
          buf(appKey),
          buf(nwkKey),
          Buffer.from(joinEui.bytes()),
          be(joinNonce.toWire()),
          be(devNonce.toWire()),
        );
        const ours11 = deriveSessionKeys11(nwkKey, appKey, joinNonce, joinEui, devNonce);
        assert.equal(ref11.FNwkSIntKey.toString('hex'), ours11.fNwkSIntKey.toHex());
        assert.equal(ref11.SNwkSIntKey.toString('hex'), ours11.sNwkSIntKey.toHex());
        assert.equal(ref11.NwkSEncKey.toString('hex'), ours11.nwkSEncKey.toHex());
        assert.equal(ref11.AppSKey.toString('hex'), ours11.appSKey.toHex());
        const refJs = lp.generateJSKeys(buf(nwkKey), Buffer.from(devEui.bytes()));
        const oursJs = deriveJsKeys(nwkKey, devEui);
        assert.equal(refJs.JSIntKey.toString('hex'), oursJs.jsIntKey.toHex());
        assert.equal(refJs.JSEncKey.toString('hex'), oursJs.jsEncKey.toHex());
      },
    ),
    runs,
  );
});

test('oracle: lora-packet decrypts our join-accepts (1.0 and 1.1, join and rejoin answers) and accepts their MICs', () => {
  const joinReqTypes = fc.constantFrom(
    JoinReqType.joinRequest,
    JoinReqType.rejoin0,
    JoinReqType.rejoin1,
    JoinReqType.rejoin2,
  );
  fc.assert(
    fc.property(
      arbJoinDevice,
      arbJoinAcceptFields,
      fc.boolean(),
      joinReqTypes,
      (device, fields, is11, type) => {
        const { nwkKey, joinEui, devNonce } = device;
        const joinReqType = is11 ? type : JoinReqType.joinRequest;
        const ctx = { macVersion: is11 ? ('1.1' as const) : ('1.0.3' as const), joinReqType, ...device };
        const built = buildJoinAccept(ctx, fields);
        const encKey = is11 && joinReqType !== JoinReqType.joinRequest ? built.jsKeys?.jsEncKey : nwkKey;
        assert.ok(encKey);
        const decrypted = lp.fromWire(
          lp.decryptJoinAccept(lp.fromWire(Buffer.from(built.phyPayload)), buf(encKey)),
        );
        assert.equal(hexOf(decrypted.DevAddr), hexOf(fields.devAddr.bytes()));
        assert.equal(hexOf(decrypted.NetID), hexOf(fields.netId.bytes()));
        assert.equal(decrypted.getDLSettingsOptNeg(), is11);
        assert.equal(
          hexOf(decrypted.CFList ?? new Uint8Array(0)),
          fields.cfList === undefined ? '' : hexOf(encodeCFList(fields.cfList)),
        );
        if (is11) {
          decrypted.JoinReqType = Buffer.of(joinReqType);
          decrypted.JoinEUI = Buffer.from(joinEui.bytes());
          decrypted.DevNonce = Buffer.from(devNonce.toWire()).reverse();
          assert.equal(
            lp.verifyMIC(decrypted, built.jsKeys?.jsIntKey ? buf(built.jsKeys.jsIntKey) : undefined),
            true,
          );
        } else {
          assert.equal(lp.verifyMIC(decrypted, undefined, buf(nwkKey)), true);
        }
      },
    ),
    runs,
  );
});
