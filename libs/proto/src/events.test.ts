import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinOutcome } from './gen/joinery/events/v1/events_pb.js';

test('generated protobuf messages round-trip through the workspace package', () => {
  const event = create(JoinEventSchema, {
    devEui: '0102030405060708',
    outcome: JoinOutcome.ACCEPTED,
    joinNonce: 7,
  });
  const back = fromBinary(JoinEventSchema, toBinary(JoinEventSchema, event));
  assert.equal(back.devEui, '0102030405060708');
  assert.equal(back.outcome, JoinOutcome.ACCEPTED);
  assert.equal(back.joinNonce, 7);
});
