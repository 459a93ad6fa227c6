import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biErrors, resultReasons } from '@joinery/backend-interfaces';
import { JoineryError } from '@joinery/errors';
import { gatewayErrors } from './errors.js';
import { descriptionFor, descriptionOfReason, reasonByErrorCode, reasonFor } from './result-reason.js';

/** Every error code that can reach an answer: the table's, the gateway's, the parser's, and one nobody knows. */
const codes = [
  ...Object.keys(reasonByErrorCode),
  ...Object.values(gatewayErrors).map((factory) => factory.code),
  ...Object.values(biErrors).map((factory) => factory.code),
  'keys:something_new',
  'claims:incomplete_authorization',
  'internal:unexpected',
];
const internalCode = /\b[a-z]+:[a-z_]+\b/;

test('descriptions are words for the NS operator, never an internal namespace:code', () => {
  for (const code of codes) {
    const description = descriptionFor(new JoineryError(code, 'internal', `message of ${code}`));
    assert.ok(description.length > 0, code);
    assert.doesNotMatch(description, internalCode, code);
    assert.equal(description.includes('message of'), false, code);
  }
  for (const reason of resultReasons) assert.doesNotMatch(descriptionOfReason(reason), internalCode, reason);
});

test('a device of another owner, a locked or unclaimed one and an unknown one read exactly the same', () => {
  const unknownDevice = codes.filter(
    (code) => reasonFor(new JoineryError(code, 'internal', 'x')) === 'unknown_device',
  );
  assert.ok(unknownDevice.includes('claims:not_authorized') && unknownDevice.includes('keys:unknown_device'));
  const descriptions = new Set(
    unknownDevice.map((code) => descriptionFor(new JoineryError(code, 'internal', 'x'))),
  );
  assert.deepEqual([...descriptions], ['unknown device']);
  const unknownSender = codes.filter(
    (code) => reasonFor(new JoineryError(code, 'internal', 'x')) === 'unknown_sender',
  );
  assert.equal(
    new Set(unknownSender.map((code) => descriptionFor(new JoineryError(code, 'internal', 'x')))).size,
    1,
  );
});
