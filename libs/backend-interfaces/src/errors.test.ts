import assert from 'node:assert/strict';
import { test } from 'node:test';
import { biErrors } from './errors.js';
import { reasonForError } from './parse-request.js';
import { resultCodeFor } from './result-code.js';

test('every bi error has a result reason, and so a ResultCode in both versions', () => {
  for (const [name, factory] of Object.entries(biErrors)) {
    const err = factory();
    assert.equal(err.code, `bi:${name}`);
    const reason = reasonForError(err);
    assert.equal(reason === 'other', name === 'incomplete_answer', name);
    assert.ok(resultCodeFor(reason, '1.0') && resultCodeFor(reason, '1.1'), name);
  }
});

test('errors that a peer can cause are invalid_argument; an incomplete answer is our bug (internal)', () => {
  for (const [name, factory] of Object.entries(biErrors))
    assert.equal(factory.kind, name === 'incomplete_answer' ? 'internal' : 'invalid_argument', name);
});
