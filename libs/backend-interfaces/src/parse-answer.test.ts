import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { biErrors } from './errors.js';
import { answers } from './fixtures/index.js';
import { hexToBytes } from './hex.js';
import { parseAnswer, type JoinAns } from './parse-answer.js';

function refusedWith(body: unknown, code: string, field: string): void {
  assert.throws(
    () => parseAnswer(body),
    (e) => JoineryError.is(e, code) && e.details['field'] === field,
    field,
  );
}

test('parseAnswer reads a ChirpStack-style JoinAns into the typed form', () => {
  const answer = parseAnswer(answers.chirpStackV4JoinAns) as JoinAns;
  assert.deepEqual(answer, {
    protocolVersion: '1.0',
    messageType: 'JoinAns',
    transactionId: 3582923091,
    senderId: '00005EEF10000001',
    receiverId: '00000A',
    result: { resultCode: 'Success' },
    phyPayload: hexToBytes('20DB79D5F4B30FF75468EE429034EC7C5F213555F6180776CBAF46022A22E5F8FE'),
    lifetime: 0,
    nwkSKey: { key: hexToBytes('5B5202CB56B7040613F57B436D3AA98E') },
    appSKey: { key: hexToBytes('77FB83628855DFB1DAFBD01FFC5C4AAC') },
  } satisfies JoinAns);
});

test("result codes are checked against the answer's protocol version", () => {
  const mic = answers.chirpStackV4JoinAnsMicFailed;
  refusedWith(
    { ...mic, Result: { ResultCode: 'MalformedMessage' } },
    biErrors.malformed_message.code,
    'Result.ResultCode',
  );
  refusedWith(
    { ...mic, Result: { ResultCode: 'FrameReplayed' } },
    biErrors.malformed_message.code,
    'Result.ResultCode',
  );
  const unknown = answers.ttsBi11JoinAnsUnknownDevEui;
  refusedWith(
    { ...unknown, Result: { ResultCode: 'MalformedRequest' } },
    biErrors.malformed_message.code,
    'Result.ResultCode',
  );
  assert.equal(
    parseAnswer({ ...unknown, Result: { ResultCode: 'FrameReplayed' } }).result.resultCode,
    'FrameReplayed',
  );
});

test('a successful answer must carry what the spec makes mandatory', () => {
  const join = answers.chirpStackV4JoinAns;
  refusedWith({ ...join, PHYPayload: undefined }, biErrors.malformed_message.code, 'PHYPayload');
  refusedWith({ ...join, NwkSKey: undefined }, biErrors.malformed_message.code, 'NwkSKey');
  refusedWith({ ...join, AppSKey: undefined }, biErrors.malformed_message.code, 'AppSKey');
  refusedWith(
    { ...join, NwkSKey: { KEKLabel: '', AESKey: '00' } },
    biErrors.invalid_key_envelope.code,
    'NwkSKey.AESKey',
  );
  refusedWith(
    { ...answers.chirpStackV4HomeNSAns, HNetID: undefined },
    biErrors.malformed_message.code,
    'HNetID',
  );
  refusedWith(
    { ...answers.ttsBi11AppSKeyAns, AppSKey: undefined },
    biErrors.malformed_message.code,
    'AppSKey',
  );
});

test('strictness the NSs apply to our headers: typed IDs, no ReceiverNSID under 1.0, known MessageType', () => {
  const mic = answers.chirpStackV4JoinAnsMicFailed;
  refusedWith({ ...mic, SenderID: '' }, biErrors.malformed_message.code, 'SenderID');
  refusedWith({ ...mic, ReceiverID: '00005eef10000001' }, biErrors.malformed_message.code, 'ReceiverID');
  refusedWith({ ...mic, ReceiverNSID: '00005EEF10000100' }, biErrors.malformed_message.code, 'ReceiverNSID');
  refusedWith({ ...mic, Result: undefined }, biErrors.malformed_message.code, 'Result');
  refusedWith({ ...mic, ProtocolVersion: '2.0' }, biErrors.invalid_protocol_version.code, 'ProtocolVersion');
  refusedWith({ ...mic, MessageType: 'PRStartAns' }, biErrors.unsupported_message_type.code, 'MessageType');
  refusedWith('x', biErrors.not_a_message.code, '');
});
