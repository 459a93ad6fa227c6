import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvRow } from './csv.js';

test('plain cells stay as they are; quotes, commas and line breaks are quoted', () => {
  assert.equal(csvCell('0004A30B001C0530'), '0004A30B001C0530');
  assert.equal(csvCell('2026-11-01T00:00:00.000Z'), '2026-11-01T00:00:00.000Z');
  assert.equal(csvCell(''), '');
  assert.equal(csvCell('Acme, Inc.'), '"Acme, Inc."');
  assert.equal(csvCell('the "best"'), '"the ""best"""');
  assert.equal(csvCell('Street 1\nTown'), '"Street 1\nTown"');
  assert.equal(csvCell('a\rb'), '"a\rb"');
});

test('a cell a spreadsheet would run as a formula is made text', () => {
  for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])
    assert.equal(csvCell(formula), `"'${formula}"`);
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell('a=b'), 'a=b');
  assert.equal(csvRow(['=cmd', 'x,y', '20']), `"'=cmd","x,y",20`);
});
