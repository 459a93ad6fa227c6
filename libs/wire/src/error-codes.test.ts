import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biErrors, isResultReason } from '@joinery/backend-interfaces';
import { isErrorKind } from '@joinery/errors';
import {
  claimsErrors,
  descriptionByErrorCode,
  errorRegistry,
  gatewayErrors,
  grpcErrors,
  joinRefusalCodes,
  keysErrors,
  reasonByErrorCode,
  travellingErrorCodes,
  type TravellingError,
} from './error-codes.js';

const factories = {
  gateway: gatewayErrors,
  claims: claimsErrors,
  keys: keysErrors,
  grpc: grpcErrors,
  bi: biErrors,
};

test('every code of every travelling catalogue has a kind, a message and a result reason', () => {
  assert.ok(travellingErrorCodes.length > 0);
  for (const entry of travellingErrorCodes) {
    assert.ok(isErrorKind(entry.kind), entry.code);
    assert.ok(isResultReason(entry.reason), entry.code);
    assert.ok(entry.message.length > 0, entry.code);
    assert.equal(reasonByErrorCode[entry.code], entry.reason, entry.code);
  }
  assert.equal(Object.keys(reasonByErrorCode).length, travellingErrorCodes.length);
});

test('the factories are made from the registry: one per entry, with its code and kind', () => {
  for (const [namespace, catalogue] of Object.entries(errorRegistry) as [
    keyof typeof errorRegistry,
    Record<string, TravellingError>,
  ][]) {
    for (const [name, entry] of Object.entries(catalogue)) {
      const factory = (factories[namespace] as Record<string, (typeof factories)['keys']['mic_failed']>)[
        name
      ];
      assert.ok(factory !== undefined, `${namespace}:${name}`);
      assert.equal(factory.code, `${namespace}:${name}`);
      assert.equal(factory.kind, entry.kind, factory.code);
      assert.equal(factory().kind, entry.kind, factory.code);
    }
  }
  for (const namespace of ['gateway', 'claims', 'keys', 'grpc'] as const)
    assert.deepEqual(Object.keys(factories[namespace]), Object.keys(errorRegistry[namespace]));
});

test('the join refusals are keys codes the registry marks, each answered with a reason of its own', () => {
  assert.deepEqual(
    [...joinRefusalCodes],
    Object.entries(errorRegistry.keys)
      .filter(([, entry]) => 'joinRefusal' in entry && entry.joinRefusal)
      .map(([name]) => `keys:${name}`),
  );
  assert.ok(joinRefusalCodes.has(keysErrors.mic_failed.code));
  assert.ok(joinRefusalCodes.has(keysErrors.malformed_frame.code));
  assert.ok(!joinRefusalCodes.has(keysErrors.malformed_request.code));
  assert.ok(!joinRefusalCodes.has(keysErrors.hsm_error.code));
  for (const code of joinRefusalCodes) assert.notEqual(reasonByErrorCode[code], 'other', code);
});

test('the parser codes that travel carry the parser catalogue’s reason, and a device refusal reads as unknown', () => {
  assert.equal(reasonByErrorCode[biErrors.mac_version_mismatch.code], 'mac_version_mismatch');
  assert.equal(reasonByErrorCode[biErrors.frame_size.code], undefined);
  assert.equal(
    reasonByErrorCode[keysErrors.unknown_session.code],
    reasonByErrorCode[gatewayErrors.unknown_session.code],
  );
  for (const factory of [gatewayErrors.not_authorized, claimsErrors.device_locked, claimsErrors.not_claimed])
    assert.equal(reasonByErrorCode[factory.code], 'unknown_device', factory.code);
});

test('an entry without a result reason, or with a field of another catalogue, does not compile', () => {
  const withoutReason = {
    // @ts-expect-error: `reason` is required
    new_code: { kind: 'internal', message: 'a new code' },
  } satisfies Record<string, TravellingError>;
  const refusalOutsideKeys = {
    // @ts-expect-error: only keys entries are join refusals
    new_code: { kind: 'internal', message: 'a new code', reason: 'other', joinRefusal: true },
  } satisfies Record<string, TravellingError>;
  assert.ok(withoutReason && refusalOutsideKeys);
});

test('a description tells apart only cases an operator may tell apart, never a refusal of a device or a sender', () => {
  assert.ok(Object.keys(descriptionByErrorCode).length > 0);
  for (const [code, description] of Object.entries(descriptionByErrorCode)) {
    assert.ok(description.length > 0, code);
    assert.ok(!['unknown_device', 'unknown_sender'].includes(reasonByErrorCode[code] ?? 'other'), code);
  }
  assert.notEqual(
    descriptionByErrorCode[keysErrors.dev_nonce_too_small.code],
    descriptionByErrorCode[keysErrors.dev_nonce_replayed.code],
  );
});
