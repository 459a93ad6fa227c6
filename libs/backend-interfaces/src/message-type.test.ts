import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerTypeOf, knownMessageTypes, requestTypes } from './message-type.js';

test('answerTypeOf pairs every request with its answer', () => {
  assert.deepEqual(requestTypes.map(answerTypeOf), ['JoinAns', 'RejoinAns', 'AppSKeyAns', 'HomeNSAns']);
});

test('knownMessageTypes: ErrorNotif, PRStartNotif and XmitLoc exist only in BI 1.1', () => {
  for (const type of ['ErrorNotif', 'PRStartNotif', 'XmitLocReq']) {
    assert.ok(!knownMessageTypes('1.0').includes(type), type);
    assert.ok(knownMessageTypes('1.1').includes(type), type);
  }
  for (const type of ['JoinReq', 'HomeNSAns', 'PRStartReq', 'ProfileAns', 'XmitDataReq'])
    assert.ok(knownMessageTypes('1.0').includes(type), type);
});
