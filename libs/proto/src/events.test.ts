import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinOutcome } from './gen/joinery/events/v1/events_pb.js';

test('generated protobuf messages round-trip through the workspace package', () => {
  const event = create(JoinEventSchema, {
    devEui: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    outcome: JoinOutcome.ACCEPTED,
    joinNonce: 7,
  });
  const back = fromBinary(JoinEventSchema, toBinary(JoinEventSchema, event));
  assert.deepEqual(back.devEui, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.equal(back.outcome, JoinOutcome.ACCEPTED);
  assert.equal(back.joinNonce, 7);
});
