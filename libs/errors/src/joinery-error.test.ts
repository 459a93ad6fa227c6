import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError, defineErrors, isErrorKind } from './joinery-error.js';

test('defineErrors builds namespaced codes with their kind', () => {
  const errors = defineErrors('demo', { thing_missing: ['not_found', 'no such thing'] });
  const err = errors.thing_missing({ id: 'x' });
  assert.equal(errors.thing_missing.code, 'demo:thing_missing');
  assert.equal(err.code, 'demo:thing_missing');
  assert.equal(err.kind, 'not_found');
  assert.deepEqual(err.details, { id: 'x' });
  assert.ok(JoineryError.is(err, 'demo:thing_missing'));
  assert.ok(!JoineryError.is(err, 'demo:other'));
});

test('JoineryError.from wraps unknown errors as internal and keeps the cause', () => {
  const cause = new TypeError('boom');
  const err = JoineryError.from(cause);
  assert.equal(err.code, 'internal:unexpected');
  assert.equal(err.kind, 'internal');
  assert.equal(err.cause, cause);
  assert.equal(JoineryError.from(err), err);
});

test('isErrorKind accepts only known kinds', () => {
  assert.ok(isErrorKind('not_found'));
  assert.ok(!isErrorKind('teapot'));
});

test('defineErrors takes object entries and ignores what the catalogue keeps beside kind and message', () => {
  const errors = defineErrors('demo', {
    thing_missing: { kind: 'not_found', message: 'no such thing', reason: 'unknown_device' },
    thing_odd: ['invalid_argument', 'odd thing'],
  });
  assert.equal(errors.thing_missing.code, 'demo:thing_missing');
  assert.equal(errors.thing_missing.kind, 'not_found');
  const err = errors.thing_missing({ id: 'x' });
  assert.equal(err.kind, 'not_found');
  assert.equal(err.message, 'no such thing');
  assert.deepEqual(err.details, { id: 'x' });
  assert.equal(errors.thing_odd().kind, 'invalid_argument');
  assert.equal(errors.thing_odd().message, 'odd thing');
});
