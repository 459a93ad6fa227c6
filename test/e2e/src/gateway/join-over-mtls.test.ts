// Whole join path over real sockets: an NS with a client certificate from Joinery's CA (and one with a bearer token
// over plain HTTP) sends TTS- and ChirpStack-shaped requests built with real device crypto; the answers are
// decrypted and unwrapped as the device and the NS would.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { chirpStackV4ResultCodes } from '@joinery/backend-interfaces';
import {
  AppSKeyDelivery,
  Scope,
  type RegisterNetworkServerResponse,
} from '@joinery/proto/claims/v1/claims_pb';
import {
  bytesOf as bytes,
  hexOf,
  joinRequestPhy,
  openJoinAns,
  simulatedDevice,
  unwrapEnvelope,
  type SimulatedDevice,
} from '@joinery/testing/simulated-network';
import { startJoinStack, type JoinStack } from './join-stack.js';
import { claimDevices, importDevices } from './ns-client.js';

const joinEui = '70B3D57ED0001000';

type Device = SimulatedDevice;
const device = simulatedDevice;
const joinRequest = (d: Device, devNonce: number) => joinRequestPhy(d, joinEui, devNonce);

function post(
  url: URL,
  body: unknown,
  options: { cert?: string; key?: string; ca?: string; token?: string },
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    const common = { method: 'POST', headers };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, {
            ...common,
            ...(options.cert ? { cert: options.cert, key: options.key } : {}),
            ca: options.ca,
          })
        : httpRequest(url, common);
    req.on('response', (res) => {
      let data = '';
      res.on('data', (chunk: Buffer) => (data += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: data === '' ? undefined : JSON.parse(data) }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let stack: JoinStack;
let ns: RegisterNetworkServerResponse;
let otherNs: RegisterNetworkServerResponse;
let owner: { accountId: string; scope: Scope; apiKeyId: string };
const devices = {
  v103: device('1.0.3'),
  v104: device('1.0.4'),
  v11: device('1.1'),
  foreign: device('1.0.3'),
  unclaimed: device('1.0.3'),
  chirpStack11: device('1.1'),
};

before(async () => {
  stack = await startJoinStack();
  const { account, apiKeyId } = await stack.claims.createAccount({ principal: stack.admin, name: 'owner' });
  owner = { accountId: account!.id, scope: Scope.OWNER, apiKeyId };
  ns = await stack.claims.registerNetworkServer({
    principal: owner,
    name: 'tts',
    netId: bytes('000013'),
    nsId: bytes('00005EEF10000100'),
    appSKeyDelivery: AppSKeyDelivery.SESSION_KEY_ID,
    lifetime: 86400,
  });
  otherNs = await stack.claims.registerNetworkServer({
    principal: owner,
    name: 'chirpstack',
    netId: bytes('00000A'),
    appSKeyDelivery: AppSKeyDelivery.PLAINTEXT,
  });
  await importDevices(stack.claims, stack.admin, joinEui, Object.values(devices));
  await claimDevices(stack.claims, owner, [devices.v103, devices.v104, devices.v11], ns.peer!.id);
  await claimDevices(stack.claims, owner, [devices.foreign, devices.chirpStack11], otherNs.peer!.id);
});

after(async () => {
  await stack?.stop();
});

function ttsJoinReq(d: Device, devNonce: number, protocolVersion: '1.0' | '1.1') {
  return {
    ProtocolVersion: protocolVersion,
    TransactionID: 0,
    MessageType: 'JoinReq',
    SenderID: '000013',
    ...(protocolVersion === '1.1' ? { SenderNSID: '00005EEF10000100' } : {}),
    ReceiverID: joinEui,
    SenderToken: '0A0B',
    MACVersion:
      d.macVersion === '1.1' && protocolVersion === '1.1'
        ? '1.1'
        : d.macVersion === '1.1'
          ? '1.0.4'
          : d.macVersion,
    PHYPayload: hexOf(joinRequest(d, devNonce)),
    DevEUI: d.devEui,
    DevAddr: '260B1A2C',
    DLSettings: d.macVersion === '1.1' && protocolVersion === '1.1' ? '80' : '00',
    RxDelay: 1,
    CFList: '184F84E85684B85E84886684586E8400',
  };
}

const mtls = () => ({
  cert: ns.credentials!.clientCertPem,
  key: ns.credentials!.clientKeyPem,
  ca: stack.caCertPem,
});
const biUrl = () => new URL(`https://127.0.0.1:${stack.biPort}/`);

describe('JoinReq over mTLS (The Things Stack shapes)', () => {
  const nonces: number[] = [];

  for (const [name, d, version, devNonce] of [
    ['LoRaWAN 1.0.3, BI 1.0', () => devices.v103, '1.0', 0x1a2b],
    ['LoRaWAN 1.0.4, BI 1.0', () => devices.v104, '1.0', 1],
    ['LoRaWAN 1.1, BI 1.1', () => devices.v11, '1.1', 1],
  ] as const) {
    test(`${name}: the device can open the join-accept and the NS unwraps the same session keys`, async () => {
      const dev = d();
      const res = await post(biUrl(), ttsJoinReq(dev, devNonce, version), mtls());
      assert.equal(res.status, 200);
      const ans = res.json!;
      assert.deepEqual(ans['Result'], { ResultCode: 'Success' });
      assert.equal(ans['MessageType'], 'JoinAns');
      assert.equal(ans['TransactionID'], 0);
      assert.equal(ans['SenderID'], joinEui);
      assert.equal(ans['ReceiverID'], '000013');
      assert.equal(ans['ReceiverToken'], '0A0B');
      assert.equal(ans['Lifetime'], 86400);
      if (version === '1.1') assert.equal(ans['ReceiverNSID'], '00005EEF10000100');
      const optNeg = dev.macVersion === '1.1' && version === '1.1';
      const opened = openJoinAns(dev, { joinEui, devNonce, optNeg }, String(ans['PHYPayload']));
      assert.equal(opened.joinAccept.netId.toString(), '000013');
      assert.equal(opened.joinAccept.devAddr.toString(), '260B1A2C');
      assert.equal(opened.joinAccept.rxDelay, 1);
      nonces.push(opened.joinAccept.joinNonce.value);
      const kek = ns.kek!.key;
      const unwrap = (field: string) => {
        const env = ans[field] as { KEKLabel: string; AESKey: string };
        assert.equal(env.KEKLabel, ns.kek!.label, field);
        return unwrapEnvelope(env, kek);
      };
      const keys = opened.sessionKeys;
      if (keys.optNeg) {
        assert.equal(unwrap('FNwkSIntKey'), keys.fNwkSIntKey.toHex().toUpperCase());
        assert.equal(unwrap('SNwkSIntKey'), keys.sNwkSIntKey.toHex().toUpperCase());
        assert.equal(unwrap('NwkSEncKey'), keys.nwkSEncKey.toHex().toUpperCase());
        assert.equal(ans['NwkSKey'], undefined);
      } else {
        assert.equal(unwrap('NwkSKey'), keys.nwkSKey.toHex().toUpperCase());
        assert.equal(ans['FNwkSIntKey'], undefined);
      }
      // Session-key-id delivery: the AS fetches the AppSKey later; none in the answer.
      assert.equal(ans['AppSKey'], undefined);
      assert.match(String(ans['SessionKeyID']), /^[0-9A-F]+$/);
    });
  }

  test('a replayed DevNonce (1.0.4 counter not increasing) is refused, a later one accepted with a higher JoinNonce', async () => {
    const replay = await post(biUrl(), ttsJoinReq(devices.v104, 0, '1.0'), mtls());
    assert.deepEqual(replay.json?.['Result'], {
      ResultCode: 'JoinReqFailed',
      Description:
        'the DevNonce is not greater than the last one used (a device whose counter restarted needs a DevNonce reset by its owner)',
    });
    const next = await post(biUrl(), ttsJoinReq(devices.v104, 2, '1.0'), mtls());
    assert.equal((next.json?.['Result'] as { ResultCode: string }).ResultCode, 'Success');
  });

  test('the same JoinReq sent twice gets the same answer (TTS retries), not a replay error', async () => {
    const body = ttsJoinReq(devices.v103, 0x7777, '1.0');
    const [a, b] = [await post(biUrl(), body, mtls()), await post(biUrl(), body, mtls())];
    assert.equal((b.json?.['Result'] as { ResultCode: string }).ResultCode, 'Success');
    assert.equal(a.json?.['PHYPayload'], b.json?.['PHYPayload']);
  });

  test('a bad MIC is MICFailed', async () => {
    const body = ttsJoinReq(devices.v103, 0x4444, '1.0');
    body.PHYPayload = body.PHYPayload.slice(0, -2) + (body.PHYPayload.endsWith('00') ? '01' : '00');
    const res = await post(biUrl(), body, mtls());
    assert.equal((res.json?.['Result'] as { ResultCode: string }).ResultCode, 'MICFailed');
  });

  test('a device bound to another NS and an unclaimed device get the same refusal', async () => {
    const foreign = await post(biUrl(), ttsJoinReq(devices.foreign, 1, '1.0'), mtls());
    const unclaimed = await post(biUrl(), ttsJoinReq(devices.unclaimed, 1, '1.0'), mtls());
    const unknown = await post(biUrl(), ttsJoinReq(device('1.0.3'), 1, '1.0'), mtls());
    assert.deepEqual(foreign.json?.['Result'], {
      ResultCode: 'UnknownDevEUI',
      Description: 'unknown device',
    });
    assert.deepEqual(unclaimed.json, foreign.json);
    assert.deepEqual(unknown.json?.['Result'], foreign.json?.['Result']);
  });

  test('SenderID of another NetID with this NS certificate is UnknownSender', async () => {
    const res = await post(
      biUrl(),
      { ...ttsJoinReq(devices.v103, 0x5555, '1.0'), SenderID: '00000A' },
      mtls(),
    );
    assert.equal((res.json?.['Result'] as { ResultCode: string }).ResultCode, 'UnknownSender');
  });

  test('without a client certificate or token the peer is UnknownSender; non-JSON is 400; 33 KiB is 413', async () => {
    const anon = await post(biUrl(), ttsJoinReq(devices.v103, 0x6666, '1.0'), { ca: stack.caCertPem });
    assert.equal((anon.json?.['Result'] as { ResultCode: string }).ResultCode, 'UnknownSender');
    assert.equal((await post(biUrl(), '{not json', mtls())).status, 400);
    assert.equal((await post(biUrl(), { pad: 'x'.repeat(33 * 1024) }, mtls())).status, 413);
  });

  test('JoinNonces handed out to one device increase', () => {
    assert.ok(nonces.length >= 3);
  });
});

/** ChirpStack v4's JoinReq (spec §7.1): BI 1.0, lower-case hex, MACVersion as ChirpStack spells it. */
function chirpStackJoinReq(
  d: Device,
  devNonce: number,
  transactionId: number,
  macVersion: '1.0.3' | '1.1.0',
) {
  return {
    ProtocolVersion: '1.0',
    SenderID: '00000a',
    ReceiverID: joinEui.toLowerCase(),
    TransactionID: transactionId,
    MessageType: 'JoinReq',
    MACVersion: macVersion,
    PHYPayload: hexOf(joinRequest(d, devNonce)).toLowerCase(),
    DevEUI: d.devEui.toLowerCase(),
    DevAddr: '01020304',
    DLSettings: macVersion === '1.1.0' ? '80' : '00',
    RxDelay: 1,
  };
}

describe('ChirpStack v4 shape over mTLS', () => {
  test('a LoRaWAN 1.1 device as "1.1.0" in BI 1.0, lower-case hex: 1.1 session keys under the KEK, AppSKey in clear', async () => {
    const d = devices.chirpStack11;
    const transactionId = 2_718_281_828;
    const devNonce = 0x0a0b;
    const body = chirpStackJoinReq(d, devNonce, transactionId, '1.1.0');
    const res = await post(biUrl(), body, {
      cert: otherNs.credentials!.clientCertPem,
      key: otherNs.credentials!.clientKeyPem,
      ca: stack.caCertPem,
    });
    assert.equal(res.status, 200);
    const ans = res.json!;
    assert.deepEqual(ans['Result'], { ResultCode: 'Success' });
    assert.equal(ans['TransactionID'], transactionId);
    const opened = openJoinAns(d, { joinEui, devNonce, optNeg: true }, String(ans['PHYPayload']));
    assert.equal(opened.joinAccept.netId.toString(), '00000A');
    const keys = opened.sessionKeys;
    assert.ok(keys.optNeg);
    const unwrap = (field: string) => {
      const env = ans[field] as { KEKLabel: string; AESKey: string };
      assert.equal(env.KEKLabel, otherNs.kek!.label, field);
      return unwrapEnvelope(env, otherNs.kek!.key);
    };
    assert.equal(unwrap('FNwkSIntKey'), keys.fNwkSIntKey.toHex().toUpperCase());
    assert.equal(unwrap('SNwkSIntKey'), keys.sNwkSIntKey.toHex().toUpperCase());
    assert.equal(unwrap('NwkSEncKey'), keys.nwkSEncKey.toHex().toUpperCase());
    const appSKey = ans['AppSKey'] as { KEKLabel: string; AESKey: string };
    assert.equal(appSKey.KEKLabel, '');
    assert.equal(appSKey.AESKey.toUpperCase(), keys.appSKey.toHex().toUpperCase());
    assert.equal(ans['SessionKeyID'], undefined);
  });
});

describe('ChirpStack v4 shape over plain HTTP with a bearer token', () => {
  test('lower-case hex, random TransactionID, plaintext AppSKey and no SessionKeyID; only codes ChirpStack parses', async () => {
    const d = devices.foreign;
    const transactionId = 3_141_592_653;
    const body = chirpStackJoinReq(d, 0x0102, transactionId, '1.0.3');
    const url = new URL(`http://127.0.0.1:${stack.biHttpPort}/`);
    const res = await post(url, body, { token: otherNs.bearerToken });
    const ans = res.json!;
    assert.deepEqual(ans['Result'], { ResultCode: 'Success' });
    assert.equal(ans['TransactionID'], transactionId);
    assert.equal(ans['SessionKeyID'], undefined);
    assert.equal((ans['AppSKey'] as { KEKLabel: string }).KEKLabel, '');
    const replay = await post(
      url,
      { ...body, PHYPayload: hexOf(joinRequest(d, 0x0102)).toLowerCase(), TransactionID: 1 },
      { token: otherNs.bearerToken },
    );
    assert.ok(
      chirpStackV4ResultCodes.includes((replay.json?.['Result'] as { ResultCode: string }).ResultCode),
    );
    const wrongNs = await post(url, ttsJoinReq(devices.v103, 0x0303, '1.0'), { token: otherNs.bearerToken });
    assert.ok(
      chirpStackV4ResultCodes.includes((wrongNs.json?.['Result'] as { ResultCode: string }).ResultCode),
    );
  });

  test('a revoked bearer token is refused from then on', async () => {
    const reg = await stack.claims.registerNetworkServer({
      principal: owner,
      name: 'lab',
      netId: bytes('00000C'),
    });
    await stack.claims.revokePeerCredentials({ principal: owner, peerId: reg.peer!.id });
    const res = await post(
      new URL(`http://127.0.0.1:${stack.biHttpPort}/`),
      { ...ttsJoinReq(devices.v103, 0x0909, '1.0'), SenderID: '00000C' },
      { token: reg.bearerToken },
    );
    assert.equal((res.json?.['Result'] as { ResultCode: string }).ResultCode, 'UnknownSender');
  });

  test('no key material of any device appears in the logs of all these joins', () => {
    const text = stack.logs.text().toUpperCase();
    for (const d of Object.values(devices)) {
      assert.equal(text.includes(hexOf(d.nwkKey)), false);
      if (d.appKey) assert.equal(text.includes(hexOf(d.appKey)), false);
    }
    assert.equal(text.includes(hexOf(ns.kek!.key)), false);
  });
});
