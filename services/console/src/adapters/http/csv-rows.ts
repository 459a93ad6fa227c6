import { consoleErrors } from '../../domain/errors.js';

/**
 * CSV text (RFC 4180: comma-separated, fields optionally in double quotes with `""` for a quote, CRLF or LF line
 * ends) → the header's names and one record per non-empty line, keyed by those names. A line with more fields than
 * the header is refused with its row number (1 = the first line after the header).
 */
export function parseCsvRows(text: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = splitRecords(text).filter((fields) => !(fields.length === 1 && fields[0]?.trim() === ''));
  const [header, ...records] = lines;
  if (header === undefined)
    throw consoleErrors.invalid_request({ at: 'body' }, 'the CSV is empty: a header line is required');
  const names = header.map((h) => h.trim());
  const rows = records.map((fields, i) => {
    if (fields.length > names.length)
      throw consoleErrors.invalid_request(
        { at: 'body', row: i + 1 },
        `CSV row ${i + 1} has ${fields.length} fields; the header names ${names.length}`,
      );
    return Object.fromEntries(names.map((name, n) => [name, (fields[n] ?? '').trim()]));
  });
  return { header: names, rows };
}

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw consoleErrors.invalid_request({ at: 'body' }, 'the CSV ends inside a quoted field');
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push(fields);
  }
  return records;
}
