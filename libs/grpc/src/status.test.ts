import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status as Status } from '@grpc/grpc-js';
import { JoineryError, errorKinds, internalMessage } from '@joinery/errors';
import { fromWireError, statusByKind, toWireError } from './status.js';

test('every error kind maps to a distinct gRPC status: the one of its own name', () => {
  for (const kind of errorKinds) {
    assert.equal(typeof statusByKind[kind], 'number', `${kind} has no gRPC status`);
    assert.equal(Status[statusByKind[kind]], kind.toUpperCase(), kind);
  }
  assert.equal(new Set(Object.values(statusByKind)).size, errorKinds.length);
});

test('each kind survives the wire with its code and details', () => {
  for (const kind of errorKinds) {
    const original = new JoineryError(`demo:${kind}`, kind, `a ${kind} error`, {
      details: { field: 'dev_eui', limit: 3, retry: false },
    });
    const wire = toWireError(original);
    const rebuilt = fromWireError(wire.status, wire.message, wire.code, wire.details);
    assert.equal(rebuilt.code, `demo:${kind}`);
    assert.equal(rebuilt.kind, kind);
    assert.deepEqual(rebuilt.details, { field: 'dev_eui', limit: 3, retry: false });
    assert.equal(rebuilt.message, kind === 'internal' ? internalMessage : `a ${kind} error`);
  }
});

test('unknown errors become internal:unexpected and hide their message', () => {
  const wire = toWireError(new Error('db password is hunter2'));
  assert.equal(wire.status, Status.INTERNAL);
  assert.equal(wire.code, 'internal:unexpected');
  assert.equal(wire.message, internalMessage);
});

test('statuses without a Joinery code become grpc:* errors', () => {
  const cases: [Status, string, string][] = [
    [Status.UNAVAILABLE, 'grpc:unavailable', 'unavailable'],
    [Status.DEADLINE_EXCEEDED, 'grpc:deadline_exceeded', 'deadline_exceeded'],
    [Status.CANCELLED, 'grpc:cancelled', 'unavailable'],
    [Status.UNIMPLEMENTED, 'grpc:unimplemented', 'internal'],
    [Status.RESOURCE_EXHAUSTED, 'grpc:resource_exhausted', 'resource_exhausted'],
    [Status.UNKNOWN, 'grpc:unknown', 'internal'],
    [Status.ABORTED, 'grpc:unknown', 'internal'],
  ];
  for (const [status, code, kind] of cases) {
    const err = fromWireError(status, 'transport said so', undefined, undefined);
    assert.deepEqual([err.code, err.kind, err.details.status], [code, kind, Status[status]], Status[status]);
  }
});

test('malformed trailers do not break the client', () => {
  const err = fromWireError(Status.NOT_FOUND, 'gone', 'demo:gone', '{not json');
  assert.deepEqual([err.code, err.kind, err.details], ['demo:gone', 'not_found', {}]);
  const nested = fromWireError(Status.NOT_FOUND, 'gone', 'demo:gone', '{"a":{"b":1},"c":"d"}');
  assert.deepEqual(nested.details, { c: 'd' });
  const badCode = fromWireError(Status.NOT_FOUND, 'gone', 'no spaces allowed', undefined);
  assert.equal(badCode.code, 'grpc:unknown');
});
