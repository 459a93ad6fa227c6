import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { biErrors } from './errors.js';
import { readHex, readInteger, readOptionalHex, readOptionalString, readString } from './fields.js';

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(JoineryError.is(err, biErrors.malformed_message.code));
    return `${err.details['field']}:${err.details['reason']}`;
  }
  return 'ok';
}

test('readString: mandatory and non-empty', () => {
  assert.equal(readString({ A: 'x' }, 'A'), 'x');
  assert.equal(
    problem(() => readString({}, 'A')),
    'A:missing',
  );
  assert.equal(
    problem(() => readString({ A: null }, 'A')),
    'A:missing',
  );
  assert.equal(
    problem(() => readString({ A: '' }, 'A')),
    'A:empty',
  );
  assert.equal(
    problem(() => readString({ A: 1 }, 'A')),
    'A:not_string',
  );
});

test('optional fields: absent, null and "" all mean not given', () => {
  for (const obj of [{}, { A: null }, { A: '' }]) {
    assert.equal(readOptionalString(obj, 'A'), undefined);
    assert.equal(readOptionalHex(obj, 'A', 8), undefined);
  }
  assert.equal(
    problem(() => readOptionalHex({ A: 'xx' }, 'A')),
    'A:not_hex',
  );
});

test('readHex: canonical upper case, byte-length check (one or several allowed lengths)', () => {
  assert.equal(readHex({ A: '0xabCD' }, 'A', 2), 'ABCD');
  assert.equal(readHex({ A: 'ab'.repeat(17) }, 'A', [17, 33]), 'AB'.repeat(17));
  assert.equal(
    problem(() => readHex({ A: 'abcd' }, 'A', 3)),
    'A:wrong_length',
  );
  assert.equal(
    problem(() => readHex({ A: 'abc' }, 'A')),
    'A:not_hex',
  );
});

test('readInteger: JSON integers within bounds only', () => {
  assert.equal(readInteger({ N: 15 }, 'N', 0, 15), 15);
  assert.equal(
    problem(() => readInteger({ N: 16 }, 'N', 0, 15)),
    'N:out_of_range',
  );
  assert.equal(
    problem(() => readInteger({ N: -1 }, 'N', 0, 15)),
    'N:out_of_range',
  );
  assert.equal(
    problem(() => readInteger({ N: 1.5 }, 'N', 0, 15)),
    'N:not_integer',
  );
  assert.equal(
    problem(() => readInteger({ N: '1' }, 'N', 0, 15)),
    'N:not_integer',
  );
  assert.equal(
    problem(() => readInteger({}, 'N', 0, 15)),
    'N:missing',
  );
});
