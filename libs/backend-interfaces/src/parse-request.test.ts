import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biErrors } from './errors.js';
import { requests } from './fixtures/index.js';
import { hexToBytes } from './hex.js';
import type { IncomingMessage, JoinReq } from './messages.js';
import {
  describeParseError,
  parseRequest,
  reasonForError,
  type ParseRequestResult,
} from './parse-request.js';

function ok(result: ParseRequestResult): IncomingMessage {
  assert.equal(
    result.ok,
    true,
    result.ok ? '' : `${result.error.code} ${JSON.stringify(result.error.details)}`,
  );
  return (result as { message: IncomingMessage }).message;
}

function refused(result: ParseRequestResult, code: string, field: string, reason: string) {
  assert.equal(result.ok, false);
  if (result.ok) throw new Error('unreachable');
  assert.equal(result.error.code, code);
  assert.equal(result.error.details['field'], field);
  assert.equal(result.error.details['reason'], reason);
  return result;
}

const cfList = hexToBytes('184F84E85684B85E84886684586E8400');

test('TTS BI 1.1 JoinReq parses to the normalized typed form', () => {
  const message = ok(parseRequest(requests.ttsBi11JoinReq));
  assert.deepEqual(message, {
    protocolVersion: '1.1',
    messageType: 'JoinReq',
    transactionId: 0,
    senderId: '000013',
    receiverId: '00005EEF10000001',
    senderNsId: '00005EEF10000100',
    macVersion: '1.1',
    phyPayload: hexToBytes('0001000010EF5E0000020B0010EF5E00000500377FEB89'),
    devEui: '00005EEF10000B02',
    devAddr: '260B1A2C',
    dlSettings: 0x80,
    rxDelay: 1,
    cfList,
  } satisfies JoinReq);
});

test('ChirpStack v4 JoinReq (lower case, random TransactionID) normalizes to upper case', () => {
  const message = ok(parseRequest(requests.chirpStackV4JoinReq)) as JoinReq;
  assert.equal(message.protocolVersion, '1.0');
  assert.equal(message.transactionId, 3582923091);
  assert.equal(message.senderId, '00000A');
  assert.equal(message.receiverId, '00005EEF10000001');
  assert.equal(message.devEui, '00005EEF10000A01');
  assert.equal(message.devAddr, '14A1B2C3');
  assert.equal(message.macVersion, '1.0.3');
  assert.equal(message.dlSettings, 0);
  assert.deepEqual(message.cfList, cfList);
  assert.equal('senderNsId' in message, false);
});

test('every fixture request parses, with the MACVersion normalized', () => {
  const expected: Record<keyof typeof requests, string> = {
    ttsBi10JoinReq: 'JoinReq:1.0.3',
    ttsBi11JoinReq: 'JoinReq:1.1',
    ttsBi11AppSKeyReq: 'AppSKeyReq:',
    chirpStackV4JoinReq: 'JoinReq:1.0.3',
    chirpStackV4JoinReqMac110: 'JoinReq:1.1',
    chirpStackV3JoinReq: 'JoinReq:1.1',
    chirpStackV4HomeNSReq: 'HomeNSReq:',
  };
  for (const [name, body] of Object.entries(requests)) {
    const message = ok(parseRequest(body));
    const macVersion = 'macVersion' in message ? message.macVersion : '';
    assert.equal(`${message.messageType}:${macVersion}`, expected[name as keyof typeof requests], name);
  }
});

test('ChirpStack v3: VSExtension {} and a missing CFList are accepted', () => {
  const message = ok(parseRequest(requests.chirpStackV3JoinReq)) as JoinReq;
  assert.deepEqual(message.vsExtension, {});
  assert.equal(message.cfList, undefined);
  assert.equal('cfList' in message, false);
});

test('lenient in: 0x prefixes, mixed case, null/empty optional fields, VSExtension with a vendor', () => {
  const body = {
    ...requests.chirpStackV4JoinReq,
    DevEUI: '0x00005EEF10000a01',
    SenderID: '0X00000A',
    CFList: null,
    SenderToken: '',
    ReceiverToken: '0xab01',
    VSExtension: { VendorID: 'ec656e', Object: { x: 1 } },
  };
  const message = ok(parseRequest(body)) as JoinReq;
  assert.equal(message.devEui, '00005EEF10000A01');
  assert.equal(message.senderId, '00000A');
  assert.equal(message.cfList, undefined);
  assert.equal(message.senderToken, undefined);
  assert.equal(message.receiverToken, 'AB01');
  assert.deepEqual(message.vsExtension, { vendorId: 'EC656E', object: { x: 1 } });
});

test('AppSKeyReq keeps the AS-ID verbatim; HomeNSReq reads DevEUI', () => {
  const appSKeyReq = ok(parseRequest(requests.ttsBi11AppSKeyReq));
  assert.equal(appSKeyReq.senderId, 'as1.example.net');
  assert.deepEqual(
    {
      devEui: (appSKeyReq as { devEui: string }).devEui,
      sessionKeyId: (appSKeyReq as { sessionKeyId: string }).sessionKeyId,
    },
    { devEui: '00005EEF10000B02', sessionKeyId: '0190F1A2B3C4D5E6F708192A3B4C5D6E' },
  );
  const homeNsReq = ok(parseRequest(requests.chirpStackV4HomeNSReq));
  assert.equal((homeNsReq as { devEui: string }).devEui, '00005EEF10000A01');
  assert.equal(homeNsReq.senderId, '00000B');
});

test('not a BI message → not answerable (HTTP 400)', () => {
  const cases: [unknown, string, string][] = [
    [null, '', 'not_object'],
    [[1], '', 'not_object'],
    ['JoinReq', '', 'not_object'],
    [{ ...requests.chirpStackV4JoinReq, ProtocolVersion: undefined }, 'ProtocolVersion', 'missing'],
    [{ ...requests.chirpStackV4JoinReq, MessageType: 7 }, 'MessageType', 'not_string'],
    [{ ...requests.chirpStackV4JoinReq, TransactionID: '1' }, 'TransactionID', 'not_integer'],
    [{ ...requests.chirpStackV4JoinReq, TransactionID: 2 ** 32 }, 'TransactionID', 'out_of_range'],
    [{ ...requests.chirpStackV4JoinReq, SenderID: '' }, 'SenderID', 'empty'],
    [{ ...requests.chirpStackV4JoinReq, ReceiverID: null }, 'ReceiverID', 'missing'],
    [{ ...requests.chirpStackV4JoinReq, MessageType: 'JoinAns' }, 'MessageType', 'wrong_message_type'],
    [{ ...requests.chirpStackV4JoinReq, SenderID: 'ns-a' }, 'SenderID', 'not_hex'],
    [{ ...requests.chirpStackV4JoinReq, SenderID: '0000000a' }, 'SenderID', 'wrong_length'],
    [{ ...requests.chirpStackV4JoinReq, ReceiverID: '00000a' }, 'ReceiverID', 'wrong_length'],
    [{ ...requests.chirpStackV4JoinReq, ReceiverID: '0x' }, 'ReceiverID', 'not_hex'],
    [
      { ...requests.chirpStackV4JoinReq, MessageType: 'PRStartReq', ReceiverID: '0000' },
      'ReceiverID',
      'wrong_length',
    ],
  ];
  for (const [body, field, reason] of cases) {
    const result = refused(parseRequest(body), biErrors.not_a_message.code, field, reason);
    assert.equal(result.answerable, false);
  }
});

test('unsupported ProtocolVersion → InvalidProtocolVersion, header echoed', () => {
  const result = refused(
    parseRequest({ ...requests.chirpStackV4JoinReq, ProtocolVersion: '2.0' }),
    biErrors.invalid_protocol_version.code,
    'ProtocolVersion',
    'unsupported',
  );
  assert.ok(result.answerable);
  assert.equal(result.reason, 'invalid_protocol_version');
  assert.deepEqual(result.target, {
    protocolVersion: '2.0',
    answerType: 'JoinAns',
    transactionId: 3582923091,
    senderId: '00000A',
    receiverId: '00005EEF10000001',
  });
});

test('bad fields → answerable malformed failures naming the field', () => {
  const base = requests.chirpStackV4JoinReq;
  const malformed = biErrors.malformed_message.code;
  const cases: [Record<string, unknown>, string, string, string][] = [
    [{ ...base, DevEUI: undefined }, malformed, 'DevEUI', 'missing'],
    [{ ...base, DevEUI: 'zz' }, malformed, 'DevEUI', 'not_hex'],
    [{ ...base, DevEUI: '00005eef10000a' }, malformed, 'DevEUI', 'wrong_length'],
    [{ ...base, DevAddr: '14a1b2' }, malformed, 'DevAddr', 'wrong_length'],
    [{ ...base, DLSettings: '0000' }, malformed, 'DLSettings', 'wrong_length'],
    [{ ...base, CFList: '00' }, malformed, 'CFList', 'wrong_length'],
    [{ ...base, RxDelay: 16 }, malformed, 'RxDelay', 'out_of_range'],
    [{ ...base, RxDelay: 1.5 }, malformed, 'RxDelay', 'not_integer'],
    [{ ...base, RxDelay: '1' }, malformed, 'RxDelay', 'not_integer'],
    [{ ...base, MACVersion: 'one' }, malformed, 'MACVersion', 'not_allowed'],
    [{ ...base, SenderNSID: '00005eef10000100' }, malformed, 'SenderNSID', 'not_allowed'],
    [{ ...base, SenderToken: 'xyz' }, malformed, 'SenderToken', 'not_hex'],
    [{ ...base, VSExtension: 'x' }, malformed, 'VSExtension', 'not_object'],
    [{ ...base, DevEUI: '00005eef10000a02' }, malformed, 'DevEUI', 'mismatch'],
    [
      { ...base, PHYPayload: '4001000010ef5e0000010a0010ef5e00002e1f9dcd9386' },
      malformed,
      'PHYPayload',
      'wrong_message_type',
    ],
    [
      { ...base, PHYPayload: '0001000010ef5e0000010a0010ef5e00002e1f9dcd93' },
      biErrors.frame_size.code,
      'PHYPayload',
      'wrong_length',
    ],
    [{ ...base, MACVersion: '1.2' }, biErrors.unsupported_mac_version.code, 'MACVersion', 'unsupported'],
    [{ ...base, DLSettings: '80' }, biErrors.mac_version_mismatch.code, 'DLSettings', 'mismatch'],
    [
      { ...base, MessageType: 'PRStartReq' },
      biErrors.unsupported_message_type.code,
      'MessageType',
      'not_allowed',
    ],
    [{ ...base, MessageType: 'FooReq' }, malformed, 'MessageType', 'unsupported'],
  ];
  for (const [body, code, field, reason] of cases) {
    const result = refused(parseRequest(body), code, field, reason);
    assert.ok(result.answerable, field);
    assert.equal(result.target.transactionId, 3582923091);
  }
});

test('a refused request keeps its tokens and (1.1) SenderNSID for the answer header', () => {
  const result = parseRequest({
    ...requests.ttsBi11JoinReq,
    SenderToken: '0a0b',
    ReceiverToken: '01',
    DevEUI: 'bad',
  });
  assert.ok(!result.ok && result.answerable);
  assert.deepEqual(result.target, {
    protocolVersion: '1.1',
    answerType: 'JoinAns',
    transactionId: 0,
    senderId: '000013',
    receiverId: '00005EEF10000001',
    senderNsId: '00005EEF10000100',
    senderToken: '0A0B',
    receiverToken: '01',
  });
});

test('BI 1.1 answers and notifications sent to the JS are refused with an ErrorNotif; ErrorNotif itself parses', () => {
  const result = parseRequest({ ...requests.ttsBi11JoinReq, MessageType: 'PRStartNotif' });
  assert.ok(!result.ok && result.answerable);
  assert.equal(result.target.answerType, 'ErrorNotif');
  assert.equal(result.reason, 'unsupported_message_type');
  const notif = ok(
    parseRequest({
      ProtocolVersion: '1.1',
      MessageType: 'ErrorNotif',
      TransactionID: 9,
      SenderID: 'as1.example.net',
      ReceiverID: '00005EEF10000001',
      Result: { ResultCode: 'MalformedMessage', Description: 'x' },
    }),
  );
  assert.deepEqual(notif, {
    protocolVersion: '1.1',
    messageType: 'ErrorNotif',
    transactionId: 9,
    senderId: 'as1.example.net',
    receiverId: '00005EEF10000001',
    result: { resultCode: 'MalformedMessage', description: 'x' },
  });
});

test('RejoinReq (type 1) parses with its rejoin type', () => {
  const message = ok(
    parseRequest({
      ...requests.ttsBi11JoinReq,
      MessageType: 'RejoinReq',
      DevEUI: '00005EEF10000A01',
      PHYPayload: 'C00101000010EF5E0000010A0010EF5E00000100AABBCCDD',
    }),
  );
  assert.equal(message.messageType, 'RejoinReq');
  assert.equal((message as { rejoinType: number }).rejoinType, 1);
});

test('RejoinReq for a LoRaWAN 1.0.x MACVersion is unsupported (→ JoinReqFailed)', () => {
  const result = refused(
    parseRequest({ ...requests.chirpStackV4JoinReq, MessageType: 'RejoinReq' }),
    biErrors.unsupported_mac_version.code,
    'MACVersion',
    'not_allowed',
  );
  assert.ok(result.answerable);
  assert.equal(result.target.answerType, 'RejoinAns');
});

test('reasonForError maps bi errors and falls back to other', () => {
  assert.equal(reasonForError(biErrors.frame_size()), 'frame_size');
  assert.equal(reasonForError(biErrors.malformed_message()), 'malformed');
  assert.equal(reasonForError(new Error('x')), 'other');
});

test('an AppSKeyReq whose SessionKeyID is not 16 bytes is malformed, with a worded description', () => {
  for (const sessionKeyId of ['01020304', '0190F1A2B3C4D5E6F708192A3B4C5D6E00', 'AB']) {
    const result = refused(
      parseRequest({ ...requests.ttsBi11AppSKeyReq, SessionKeyID: sessionKeyId }),
      'bi:malformed_message',
      'SessionKeyID',
      'wrong_length',
    );
    assert.equal(result.ok === false && result.answerable ? result.reason : '', 'malformed');
    assert.equal(describeParseError(result.error), 'SessionKeyID has the wrong length');
  }
  assert.equal(describeParseError(new Error('x')), 'malformed message');
});
