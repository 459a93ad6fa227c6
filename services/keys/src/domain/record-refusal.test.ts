import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { createKeysTestKit } from '../testing/keys-test-kit.js';
import { bytesFromHex } from './hex.js';
import { recordRefusal } from './record-refusal.js';

test('a refusal recorded for the gateway is its event as written, with this outbox id, time and outcome', async () => {
  const kit = await createKeysTestKit();
  const eventId = await recordRefusal(
    kit.deps,
    create(JoinEventSchema, {
      eventId: 'chosen-by-the-caller',
      devEui: bytesFromHex('00005EEF10000A01'),
      joinEui: bytesFromHex('00005EEF10000001'),
      kind: JoinKind.REJOIN_TYPE_1,
      outcome: JoinOutcome.ACCEPTED,
      resultCode: 'UnknownDevEUI',
      errorCode: 'gateway:not_authorized',
      netId: bytesFromHex('000013'),
      macVersion: '1.1',
      joinNonce: 9,
      devNonce: 0x0a0b,
      sessionKeyId: bytesFromHex('01'.repeat(16)),
    }),
  );
  const records = await kit.deps.state.outbox.read(10);
  assert.equal(records.length, 1);
  assert.equal(records[0]?.key, '00005EEF10000A01');
  const event = fromBinary(JoinEventSchema, records[0]?.value ?? new Uint8Array());
  assert.equal(event.eventId, eventId);
  assert.notEqual(eventId, 'chosen-by-the-caller');
  assert.deepEqual(
    [event.outcome, event.kind, event.resultCode, event.errorCode, event.macVersion, event.joinNonce],
    [JoinOutcome.REFUSED, JoinKind.REJOIN_TYPE_1, 'UnknownDevEUI', 'gateway:not_authorized', '1.1', 0],
  );
  assert.deepEqual(event.netId, bytesFromHex('000013'));
  assert.equal(event.devNonce, 0x0a0b, 'the DevNonce the gateway parsed');
  assert.equal(event.sessionKeyId.length, 0);
  assert.ok(event.time !== undefined);
});
