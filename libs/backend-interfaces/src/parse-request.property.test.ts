// Property tests for invariant 7 of the product ("bad input gets a well-formed error, never a crash") and for
// lenient-in: hex case and `0x` never change what a request means.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { answerFor } from './answer.js';
import { requests } from './fixtures/index.js';
import { answerTypes } from './message-type.js';
import type { BiRequest } from './messages.js';
import { parseAnswer } from './parse-answer.js';
import { parseRequest, type ParseRequestResult } from './parse-request.js';
import { isProtocolVersion } from './protocol-version.js';

const fixtureList = Object.values(requests) as Record<string, unknown>[];

/** Whatever came out, an answer (when there is one) must serialize and, for the JS answers, re-parse. */
function checkAnswerable(result: ParseRequestResult): void {
  let answer: Record<string, unknown> | undefined;
  if (result.ok) {
    if (result.message.messageType === 'ErrorNotif') return;
    answer = JSON.parse(JSON.stringify(answerFor(result.message as BiRequest, 'other'))) as Record<
      string,
      unknown
    >;
  } else {
    assert.match(result.error.code, /^bi:/);
    if (!result.answerable) return;
    answer = JSON.parse(JSON.stringify(answerFor(result.target, result.reason))) as Record<string, unknown>;
  }
  assert.equal(typeof answer['TransactionID'], 'number');
  assert.ok(!JSON.stringify(answer).includes('null'));
  if (
    isProtocolVersion(answer['ProtocolVersion']) &&
    (answerTypes as readonly unknown[]).includes(answer['MessageType'])
  )
    parseAnswer(answer);
}

test('parseRequest never throws on arbitrary JSON', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      checkAnswerable(parseRequest(value));
    }),
    { numRuns: 500 },
  );
});

test('a fixture with any one field replaced or removed gets an answer that re-parses, or a clean 400', () => {
  const fieldNames = [...new Set(fixtureList.flatMap((f) => Object.keys(f)))];
  fc.assert(
    fc.property(
      fc.constantFrom(...fixtureList),
      fc.constantFrom(...fieldNames),
      fc.option(
        fc.oneof(
          fc.jsonValue(),
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex')),
          fc.integer(),
        ),
        { nil: undefined },
      ),
      (fixture, field, value) => {
        checkAnswerable(parseRequest({ ...fixture, [field]: value }));
      },
    ),
    { numRuns: 1000 },
  );
});

const hexFields = [
  'SenderID',
  'ReceiverID',
  'SenderNSID',
  'PHYPayload',
  'DevEUI',
  'DevAddr',
  'DLSettings',
  'CFList',
  'SessionKeyID',
];

test('hex case and a 0x prefix do not change the parsed request', () => {
  fc.assert(
    fc.property(fc.constantFrom(...fixtureList), fc.infiniteStream(fc.boolean()), (fixture, flips) => {
      const variant: Record<string, unknown> = { ...fixture };
      for (const field of hexFields) {
        const value = fixture[field];
        if (typeof value !== 'string' || (field === 'SenderID' && fixture['MessageType'] === 'AppSKeyReq'))
          continue;
        const recased = [...value]
          .map((c) => (flips.next().value ? c.toLowerCase() : c.toUpperCase()))
          .join('');
        variant[field] = flips.next().value ? `0x${recased}` : recased;
      }
      assert.deepEqual(parseRequest(variant), parseRequest(fixture));
    }),
    { numRuns: 200 },
  );
});
