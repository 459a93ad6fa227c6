// Interop: the fixture requests from the spec digest (§5/§7) parse, our answers match the digest's answers and
// re-parse with the same schemas, and every row of the §4 "when the JS returns what" table gives its ResultCode in
// both protocol versions (ChirpStack-style BI 1.0, TTS-style BI 1.1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerFor, type AnswerResult } from './answer.js';
import { answers, devices, requests } from './fixtures/index.js';
import { hexToBytes } from './hex.js';
import type { AppSKeyReq, BiRequest, HomeNSReq, JoinReq } from './messages.js';
import { parseAnswer } from './parse-answer.js';
import { answerTypes } from './message-type.js';
import { parseRequest } from './parse-request.js';
import { isProtocolVersion } from './protocol-version.js';
import { chirpStackV4ResultCodes, resultReasons, type ResultReason } from './result-code.js';

function parsed<T extends BiRequest>(body: unknown): T {
  const result = parseRequest(body);
  if (!result.ok) throw result.error;
  return result.message as T;
}

/** What goes over the wire and comes back: JSON text, parsed again. */
function wire(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

const typedIdFields = [
  'SenderID',
  'ReceiverID',
  'ReceiverNSID',
  'DevEUI',
  'HNetID',
  'HNSID',
  'SessionKeyID',
  'PHYPayload',
];

/** Strict out: no null anywhere, no empty typed IDs, integers are numbers, hex upper case. */
function assertStrictOut(answer: Record<string, unknown>, asId?: string): void {
  const text = JSON.stringify(answer);
  assert.ok(!text.includes('null'), text);
  assert.equal(typeof answer['TransactionID'], 'number');
  if ('Lifetime' in answer) assert.ok(Number.isInteger(answer['Lifetime']));
  for (const field of typedIdFields) {
    const value = answer[field];
    if (value === undefined || value === asId) continue;
    assert.match(value as string, /^[0-9A-F]+$/, field);
  }
}

const d71 = devices['chirpstack-v4-1.0.3'];
const d72 = devices['tts-1.1'];

test("§7.1 ChirpStack v4: our JoinAns has the digest answer's fields, in its order, and the same content", () => {
  const request = parsed<JoinReq>(requests.chirpStackV4JoinReq);
  const ours = wire(
    answerFor(request, 'success', {
      phyPayload: hexToBytes(answers.chirpStackV4JoinAns.PHYPayload),
      nwkSKey: { key: hexToBytes(d71.sessionKeys.nwkSKey) },
      appSKey: { key: hexToBytes(d71.sessionKeys.appSKey) },
    }),
  );
  assertStrictOut(ours);
  assert.deepEqual(Object.keys(ours), Object.keys(answers.chirpStackV4JoinAns));
  assert.deepEqual(parseAnswer(ours), parseAnswer(answers.chirpStackV4JoinAns));
});

test('§7.2 TTS BI 1.1: our JoinAns with wrapped keys and SessionKeyID equals the digest answer', () => {
  const request = parsed<JoinReq>(requests.ttsBi11JoinReq);
  const expected = answers.ttsBi11JoinAns;
  const envelope = (e: { KEKLabel: string; AESKey: string }) => ({
    kekLabel: e.KEKLabel,
    key: hexToBytes(e.AESKey),
  });
  const ours = wire(
    answerFor(request, 'success', {
      phyPayload: hexToBytes(expected.PHYPayload),
      fNwkSIntKey: envelope(expected.FNwkSIntKey),
      sNwkSIntKey: envelope(expected.SNwkSIntKey),
      nwkSEncKey: envelope(expected.NwkSEncKey),
      appSKey: envelope(expected.AppSKey),
      sessionKeyId: d72.sessionKeyId,
    }),
  );
  assertStrictOut(ours);
  assert.deepEqual(ours, expected);
});

test('§7.3 error answers: MIC failure to ChirpStack, unknown device to TTS', () => {
  const mic = wire(
    answerFor(parsed(requests.chirpStackV4JoinReq), {
      reason: 'mic_failed',
      description: 'join-request MIC mismatch',
    }),
  );
  assert.deepEqual(parseAnswer(mic), parseAnswer(answers.chirpStackV4JoinAnsMicFailed));
  const unknown = wire(
    answerFor(parsed(requests.ttsBi11JoinReq), {
      reason: 'unknown_device',
      description: 'DevEUI 00005EEF10000B03 not provisioned',
    }),
  );
  assertStrictOut(unknown);
  assert.deepEqual(unknown, answers.ttsBi11JoinAnsUnknownDevEui);
});

test('§7.4 AppSKeyAns and §7.5 HomeNSAns equal the digest answers', () => {
  const appSKey = answers.ttsBi11AppSKeyAns.AppSKey;
  const ans74 = wire(
    answerFor(parsed<AppSKeyReq>(requests.ttsBi11AppSKeyReq), 'success', {
      appSKey: { kekLabel: appSKey.KEKLabel, key: hexToBytes(appSKey.AESKey) },
    }),
  );
  assertStrictOut(ans74, 'as1.example.net');
  assert.deepEqual(ans74, answers.ttsBi11AppSKeyAns);
  const ans75 = wire(
    answerFor(parsed<HomeNSReq>(requests.chirpStackV4HomeNSReq), 'success', { hNetId: d71.netId }),
  );
  assertStrictOut(ans75);
  assert.deepEqual(Object.keys(ans75), Object.keys(answers.chirpStackV4HomeNSAns));
  assert.deepEqual(parseAnswer(ans75), parseAnswer(answers.chirpStackV4HomeNSAns));
});

test('every fixture answer parses', () => {
  for (const [name, body] of Object.entries(answers)) assert.doesNotThrow(() => parseAnswer(body), name);
});

test('answers to ChirpStack-style requests only use codes ChirpStack v4 parses', () => {
  const request = parsed(requests.chirpStackV4JoinReq);
  for (const reason of resultReasons.filter((r) => r !== 'success')) {
    const code = answerFor(request, reason).Result.ResultCode;
    assert.ok(chirpStackV4ResultCodes.includes(code), `${reason} → ${code}`);
  }
});

// --- §4, one test per row -------------------------------------------------------------------------------------

/** Sends `body` through parse → answer → JSON → parseAnswer and returns the ResultCode the NS would read. */
function resultCodeOf(body: unknown, domainResult?: AnswerResult): string {
  const result = parseRequest(body);
  let answer: Record<string, unknown>;
  if (result.ok) {
    assert.notEqual(domainResult, undefined, 'parsed, so the domain decides the result');
    answer = wire(answerFor(result.message as BiRequest, domainResult as AnswerResult));
  } else {
    assert.ok(result.answerable, `${result.error.code} should be answerable`);
    answer = wire(answerFor(result.target, result.reason));
  }
  // Our answer schemas cover the four JS answers; refusals of NS↔NS types and unknown versions are checked as JSON.
  if (
    isProtocolVersion(answer['ProtocolVersion']) &&
    (answerTypes as readonly unknown[]).includes(answer['MessageType'])
  )
    parseAnswer(answer);
  return (answer['Result'] as { ResultCode: string }).ResultCode;
}

const cs = requests.chirpStackV4JoinReq;
const tts = requests.ttsBi11JoinReq;
const both = (row: (base: Record<string, unknown>) => string): [string, string] => [row(cs), row(tts)];
const domain = (reason: ResultReason) => both((base) => resultCodeOf(base, reason));

test('§4 row: body not JSON (not an object) → not answerable, the edge returns HTTP 400', () => {
  for (const body of [undefined, 'x', 42, [], null]) {
    const result = parseRequest(body);
    assert.ok(!result.ok && !result.answerable);
  }
});

test('§4 row: a field missing or bad → MalformedRequest (1.0) / MalformedMessage (1.1)', () => {
  assert.deepEqual(
    both((base) => resultCodeOf({ ...base, DLSettings: '0000' })),
    ['MalformedRequest', 'MalformedMessage'],
  );
  assert.deepEqual(
    both((base) => resultCodeOf({ ...base, MessageType: 'XmitDataReq' })),
    ['MalformedRequest', 'MalformedMessage'],
  );
});

test('§4 row: PHYPayload of the wrong length → FrameSizeError; not a join-request → malformed', () => {
  const short = (base: Record<string, unknown>) => ({
    ...base,
    PHYPayload: (base['PHYPayload'] as string).slice(0, -2),
  });
  assert.deepEqual(
    both((base) => resultCodeOf(short(base))),
    ['FrameSizeError', 'FrameSizeError'],
  );
  const uplink = (base: Record<string, unknown>) => ({
    ...base,
    PHYPayload: `40${(base['PHYPayload'] as string).slice(2)}`,
  });
  assert.deepEqual(
    both((base) => resultCodeOf(uplink(base))),
    ['MalformedRequest', 'MalformedMessage'],
  );
});

test('§4 row: unsupported ProtocolVersion → InvalidProtocolVersion with the version echoed', () => {
  const result = parseRequest({ ...tts, ProtocolVersion: '1.2' });
  assert.ok(!result.ok && result.answerable);
  const answer = answerFor(result.target, result.reason);
  assert.equal(answer.ProtocolVersion, '1.2');
  assert.equal(answer.Result.ResultCode, 'InvalidProtocolVersion');
  assert.equal(resultCodeOf({ ...cs, ProtocolVersion: '0.9' }), 'InvalidProtocolVersion');
});

test('§4 row: sender not authenticated → UnknownSender', () => {
  assert.deepEqual(domain('unknown_sender'), ['UnknownSender', 'UnknownSender']);
});

test('§4 row: JoinEUI not served → UnkownReceiver (sic)', () => {
  assert.deepEqual(domain('unknown_receiver'), ['UnkownReceiver', 'UnkownReceiver']);
});

test('§4 row: DevEUI unknown → UnknownDevEUI', () => {
  assert.deepEqual(domain('unknown_device'), ['UnknownDevEUI', 'UnknownDevEUI']);
});

test('§4 row: MIC mismatch → MICFailed', () => {
  assert.deepEqual(domain('mic_failed'), ['MICFailed', 'MICFailed']);
});

test('§4 row: DevNonce replay → JoinReqFailed (1.0) / FrameReplayed (1.1)', () => {
  assert.deepEqual(domain('dev_nonce_replayed'), ['JoinReqFailed', 'FrameReplayed']);
});

test('§4 row: SenderID NetID ≠ home NetID, or device not allowed to join → ActivationDisallowed', () => {
  assert.deepEqual(domain('activation_disallowed'), ['ActivationDisallowed', 'ActivationDisallowed']);
});

test('§4 row: MACVersion unsupported, JoinNonce exhausted, KEK missing → JoinReqFailed', () => {
  assert.deepEqual(
    both((base) => resultCodeOf({ ...base, MACVersion: '1.2' })),
    ['JoinReqFailed', 'JoinReqFailed'],
  );
  assert.deepEqual(domain('join_nonce_exhausted'), ['JoinReqFailed', 'JoinReqFailed']);
  assert.deepEqual(domain('join_failed'), ['JoinReqFailed', 'JoinReqFailed']);
});

test('§4 row: roaming NS not authorised (HomeNSReq) → NoRoamingAgreement, no HNetID', () => {
  const answer = answerFor(parsed<HomeNSReq>(requests.chirpStackV4HomeNSReq), 'no_roaming_agreement');
  assert.equal(answer.Result.ResultCode, 'NoRoamingAgreement');
  assert.equal('HNetID' in answer, false);
  assert.equal(resultCodeOf(requests.chirpStackV4HomeNSReq, 'no_roaming_agreement'), 'NoRoamingAgreement');
});

test('§4 row: internal error → Other', () => {
  assert.deepEqual(domain('other'), ['Other', 'Other']);
});
