// Every error code that travels between the services has its place at every edge, and docs/errors.md says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isResultCodeOf, resultCodeFor } from '@joinery/backend-interfaces';
import { httpStatusByKind } from '@joinery/console';
import { statusByKind } from '@joinery/grpc';
import { travellingErrorCodes } from '@joinery/wire';
import { errorCatalogueStaleness, localCatalogues } from './error-catalogue.js';

test('every code of every travelling catalogue has a BI result, a gRPC status and an HTTP status', () => {
  const namespaces = new Set(travellingErrorCodes.map((entry) => entry.namespace));
  assert.deepEqual([...namespaces], ['gateway', 'claims', 'keys', 'grpc', 'bi']);
  const missing = travellingErrorCodes.filter(
    (entry) =>
      !isResultCodeOf('1.0', resultCodeFor(entry.reason, '1.0')) ||
      !isResultCodeOf('1.1', resultCodeFor(entry.reason, '1.1')) ||
      typeof statusByKind[entry.kind] !== 'number' ||
      typeof httpStatusByKind[entry.kind] !== 'number',
  );
  assert.deepEqual(
    missing.map((entry) => entry.code),
    [],
  );
});

test('the codes that stay in their service have an HTTP and a gRPC status, and none travels', () => {
  const travelling = new Set(travellingErrorCodes.map((entry) => entry.code));
  for (const catalogue of localCatalogues)
    for (const factory of Object.values(catalogue.factories)) {
      assert.equal(typeof httpStatusByKind[factory.kind], 'number', factory.code);
      assert.equal(typeof statusByKind[factory.kind], 'number', factory.code);
      assert.ok(!travelling.has(factory.code), factory.code);
    }
});

test('docs/errors.md is what the registry makes now', async () => {
  assert.equal(await errorCatalogueStaleness(), '');
});
