// Every error code that can travel between the services has its place at every edge: a Backend Interfaces result
// (the gateway's table), an HTTP status (the console's) and a gRPC status (libs/grpc's). A new code in any catalogue
// fails here until it is placed; a table entry no catalogue defines (a code made up in place) fails too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biErrors } from '@joinery/backend-interfaces';
import type { ErrorFactory } from '@joinery/errors';
import { gatewayErrors } from '@joinery/bi-gateway';
import { claimsErrors } from '@joinery/claims';
import { httpStatusByKind } from '@joinery/console';
import { grpcErrors, statusByKind } from '@joinery/grpc';
import { keysErrors } from '@joinery/keys';
import { reasonByErrorCode } from '@joinery/wire';

/** The catalogues whose errors can reach the gateway over gRPC (or are the gateway's own). */
const reachingTheGateway: Record<string, Record<string, ErrorFactory>> = {
  gatewayErrors,
  claimsErrors,
  keysErrors,
  grpcErrors,
};
const factories = Object.values(reachingTheGateway).flatMap((catalogue) => Object.values(catalogue));

test('every error code that can reach the gateway has a Backend Interfaces result', () => {
  const missing = factories.map((f) => f.code).filter((code) => reasonByErrorCode[code] === undefined);
  assert.deepEqual(missing, []);
});

test('the gateway maps no code that no catalogue defines', () => {
  // The parser's errors are answered by its own table (parse-request.ts); the gateway may refuse with one of them.
  const known = new Set([...factories, ...Object.values(biErrors)].map((f) => f.code));
  const unknown = Object.keys(reasonByErrorCode).filter((code) => !known.has(code));
  assert.deepEqual(unknown, []);
});

test('every error code has an HTTP status and a gRPC status', () => {
  for (const f of [...factories, ...Object.values(biErrors)]) {
    assert.equal(typeof httpStatusByKind[f.kind], 'number', f.code);
    assert.equal(typeof statusByKind[f.kind], 'number', f.code);
  }
});

test('the codes the gateway raises beside its own catalogue are catalogued and placed', () => {
  // The MAC version mismatch is decided by the gateway with the parser's code; keys' unknown session is answered
  // like the gateway's own.
  for (const f of [biErrors.mac_version_mismatch, keysErrors.unknown_session, gatewayErrors.unknown_session])
    assert.notEqual(reasonByErrorCode[f.code], undefined, f.code);
  assert.equal(
    reasonByErrorCode[keysErrors.unknown_session.code],
    reasonByErrorCode[gatewayErrors.unknown_session.code],
  );
});
