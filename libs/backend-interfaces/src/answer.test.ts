import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { answerFor, answerHeader, type JoinAnsBody } from './answer.js';
import { biErrors } from './errors.js';
import { requests } from './fixtures/index.js';
import { hexToBytes } from './hex.js';
import type { AppSKeyReq, BiRequest, HomeNSReq, JoinReq } from './messages.js';
import { parseRequest } from './parse-request.js';

function parsed<T extends BiRequest>(body: unknown): T {
  const result = parseRequest(body);
  if (!result.ok) throw result.error;
  return result.message as T;
}

const csJoinReq = parsed<JoinReq>(requests.chirpStackV4JoinReq);
const ttsJoinReq = parsed<JoinReq>(requests.ttsBi11JoinReq);
const joinAccept = hexToBytes('20DB79D5F4B30FF75468EE429034EC7C5F213555F6180776CBAF46022A22E5F8FE');
const key = (hex: string) => ({ key: hexToBytes(hex) });
const body10: JoinAnsBody = {
  phyPayload: joinAccept,
  nwkSKey: key('5B5202CB56B7040613F57B436D3AA98E'),
  appSKey: key('77FB83628855DFB1DAFBD01FFC5C4AAC'),
};

function omit<T extends object>(value: T, field: keyof T): T {
  const copy = { ...value };
  delete copy[field];
  return copy;
}

function isIncomplete(field: string) {
  return (e: unknown) => JoineryError.is(e, biErrors.incomplete_answer.code) && e.details['field'] === field;
}

test('answer header: swap IDs, echo TransactionID and version, Ans type, tokens crossed', () => {
  const request = parsed<JoinReq>({
    ...requests.chirpStackV4JoinReq,
    SenderToken: '0a',
    ReceiverToken: '0b',
  });
  assert.deepEqual(answerHeader(request, 'mic_failed'), {
    ProtocolVersion: '1.0',
    SenderID: '00005EEF10000001',
    ReceiverID: '00000A',
    TransactionID: 3582923091,
    MessageType: 'JoinAns',
    SenderToken: '0B',
    ReceiverToken: '0A',
    Result: { ResultCode: 'MICFailed' },
  });
});

test('answer header under BI 1.1 echoes SenderNSID as ReceiverNSID; 1.0 never carries it', () => {
  const header = answerHeader(ttsJoinReq, {
    reason: 'unknown_device',
    description: 'DevEUI 00005EEF10000B03 not provisioned',
  });
  assert.equal(header.ReceiverNSID, '00005EEF10000100');
  assert.deepEqual(header.Result, {
    ResultCode: 'UnknownDevEUI',
    Description: 'DevEUI 00005EEF10000B03 not provisioned',
  });
  assert.equal('ReceiverNSID' in answerHeader(csJoinReq, 'other'), false);
});

test('an empty Description is omitted', () => {
  assert.deepEqual(answerHeader(csJoinReq, { reason: 'other', description: '' }).Result, {
    ResultCode: 'Other',
  });
});

test('JoinAns for a 1.0.x MACVersion carries NwkSKey, Lifetime 0 and plaintext envelopes with an empty label', () => {
  const answer = answerFor(csJoinReq, 'success', body10);
  assert.deepEqual(answer, {
    ProtocolVersion: '1.0',
    SenderID: '00005EEF10000001',
    ReceiverID: '00000A',
    TransactionID: 3582923091,
    MessageType: 'JoinAns',
    Result: { ResultCode: 'Success' },
    PHYPayload: '20DB79D5F4B30FF75468EE429034EC7C5F213555F6180776CBAF46022A22E5F8FE',
    Lifetime: 0,
    NwkSKey: { KEKLabel: '', AESKey: '5B5202CB56B7040613F57B436D3AA98E' },
    AppSKey: { KEKLabel: '', AESKey: '77FB83628855DFB1DAFBD01FFC5C4AAC' },
  });
});

test('JoinAns for MACVersion 1.1 needs the three 1.1 keys and refuses NwkSKey', () => {
  const wrapped = (hex: string) => ({ kekLabel: 'ns:000013', key: hexToBytes(hex) });
  const body11: JoinAnsBody = {
    phyPayload: hexToBytes('202555E80A971059ACB29D900FC358C62E992B58E2E5FABBCBB0A4DC3E8A407673'),
    fNwkSIntKey: wrapped('50E005112749032106F174DCC8C78FB533A8C36D5F6A49C9'),
    sNwkSIntKey: wrapped('6048976162DC2338A2B221A083B972B97E6D762135C7ED83'),
    nwkSEncKey: wrapped('4571F1B93113454F7083FD640B9AD39113DD0F49AC707F9E'),
    sessionKeyId: '0190f1a2b3c4d5e6f708192a3b4c5d6e',
  };
  const answer = answerFor(ttsJoinReq, 'success', body11);
  assert.equal(answer.SessionKeyID, '0190F1A2B3C4D5E6F708192A3B4C5D6E');
  assert.equal(answer.FNwkSIntKey?.KEKLabel, 'ns:000013');
  assert.equal('AppSKey' in answer, false);
  assert.throws(
    () => answerFor(ttsJoinReq, 'success', omit(body11, 'nwkSEncKey')),
    isIncomplete('FNwkSIntKey'),
  );
  assert.throws(
    () => answerFor(ttsJoinReq, 'success', { ...body11, nwkSKey: body10.nwkSKey! }),
    isIncomplete('NwkSKey'),
  );
  assert.throws(
    () => answerFor(csJoinReq, 'success', { ...body10, fNwkSIntKey: body11.fNwkSIntKey! }),
    isIncomplete('FNwkSIntKey'),
  );
});

test('a successful JoinAns is checked for what the spec requires', () => {
  assert.throws(() => answerFor(csJoinReq, 'success'), isIncomplete('body'));
  assert.throws(() => answerFor(csJoinReq, 'success', omit(body10, 'nwkSKey')), isIncomplete('NwkSKey'));
  assert.throws(() => answerFor(csJoinReq, 'success', omit(body10, 'appSKey')), isIncomplete('AppSKey'));
  assert.throws(
    () => answerFor(csJoinReq, 'success', { ...body10, phyPayload: joinAccept.slice(1) }),
    isIncomplete('PHYPayload'),
  );
  assert.throws(() => answerFor(csJoinReq, 'success', { ...body10, lifetime: -1 }), isIncomplete('Lifetime'));
  assert.throws(
    () => answerFor(csJoinReq, 'success', { ...body10, sessionKeyId: 'xyz' }),
    isIncomplete('SessionKeyID'),
  );
  assert.equal(answerFor(csJoinReq, 'success', { ...body10, lifetime: 3600 }).Lifetime, 3600);
});

test('error answers carry no body even when one is passed', () => {
  const answer = answerFor(csJoinReq, 'mic_failed', body10);
  assert.deepEqual(Object.keys(answer), [
    'ProtocolVersion',
    'SenderID',
    'ReceiverID',
    'TransactionID',
    'MessageType',
    'Result',
  ]);
});

test('AppSKeyAns echoes DevEUI and SessionKeyID, also on errors', () => {
  const request = parsed<AppSKeyReq>(requests.ttsBi11AppSKeyReq);
  const appSKey = {
    kekLabel: 'as:as1.example.net',
    key: hexToBytes('EFBD7223C8DD31AE29F34C8C380C36C29A107D1146F8F1EF'),
  };
  const success = answerFor(request, 'success', { appSKey });
  assert.equal(success.ReceiverID, 'as1.example.net');
  assert.equal(success.DevEUI, '00005EEF10000B02');
  assert.equal(success.SessionKeyID, '0190F1A2B3C4D5E6F708192A3B4C5D6E');
  assert.deepEqual(success.AppSKey, {
    KEKLabel: 'as:as1.example.net',
    AESKey: 'EFBD7223C8DD31AE29F34C8C380C36C29A107D1146F8F1EF',
  });
  const failure = answerFor(request, 'unknown_session');
  assert.equal(failure.Result.ResultCode, 'UnknownDevEUI');
  assert.equal(failure.DevEUI, '00005EEF10000B02');
  assert.equal(failure.SessionKeyID, '0190F1A2B3C4D5E6F708192A3B4C5D6E');
  assert.equal('AppSKey' in failure, false);
});

test('HomeNSAns: HNetID always, HNSID only under BI 1.1', () => {
  const request10 = parsed<HomeNSReq>(requests.chirpStackV4HomeNSReq);
  assert.deepEqual(answerFor(request10, 'success', { hNetId: '00000a', hNsId: '00005EEF10000100' }), {
    ProtocolVersion: '1.0',
    SenderID: '00005EEF10000001',
    ReceiverID: '00000B',
    TransactionID: 1234567,
    MessageType: 'HomeNSAns',
    Result: { ResultCode: 'Success' },
    HNetID: '00000A',
  });
  const request11 = parsed<HomeNSReq>({
    ...requests.chirpStackV4HomeNSReq,
    ProtocolVersion: '1.1',
    SenderNSID: '00005eef10000200',
  });
  const answer11 = answerFor(request11, 'success', { hNetId: '00000A', hNsId: '00005eef10000100' });
  assert.equal(answer11.HNSID, '00005EEF10000100');
  assert.equal(answer11.ReceiverNSID, '00005EEF10000200');
  assert.throws(() => answerFor(request10, 'success', { hNetId: '0A' }), isIncomplete('HNetID'));
  assert.deepEqual(Object.keys(answerFor(request10, 'no_roaming_agreement')).includes('HNetID'), false);
});

test('a refused message is answered from its AnswerTarget, never with Success', () => {
  const result = parseRequest({ ...requests.chirpStackV4JoinReq, ProtocolVersion: '2.0' });
  assert.ok(!result.ok && result.answerable);
  assert.deepEqual(answerFor(result.target, result.reason), {
    ProtocolVersion: '2.0',
    SenderID: '00005EEF10000001',
    ReceiverID: '00000A',
    TransactionID: 3582923091,
    MessageType: 'JoinAns',
    Result: { ResultCode: 'InvalidProtocolVersion' },
  });
  assert.throws(() => answerFor(result.target, 'success'), isIncomplete('body'));
});

test('a body of the wrong kind is refused, not a crash (the union overload for callers holding a BiRequest)', () => {
  const request: BiRequest = csJoinReq;
  assert.throws(() => answerFor(request, 'success', { hNetId: '00000A' }), isIncomplete('PHYPayload'));
  const homeNs: BiRequest = parsed<HomeNSReq>(requests.chirpStackV4HomeNSReq);
  assert.throws(() => answerFor(homeNs, 'success', body10), isIncomplete('HNetID'));
  assert.throws(
    () => answerFor(parsed<AppSKeyReq>(requests.ttsBi11AppSKeyReq), 'success', { hNetId: '00000A' }),
    isIncomplete('AppSKey'),
  );
});
