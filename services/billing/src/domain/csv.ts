/**
 * One CSV cell (RFC 4180), safe to open in a spreadsheet. A cell holding a quote, comma or line break is quoted with
 * its quotes doubled. A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula
 * by Excel, LibreOffice and Google Sheets (CSV injection: an issuer name or id reaching a spreadsheet as
 * `=HYPERLINK(…)`), so it gets a leading `'` — the spreadsheets' own mark for "text" — and is quoted.
 */
export function csvCell(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return guarded !== value || /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** One CSV line, every cell through `csvCell`. */
export const csvRow = (cells: readonly string[]) => cells.map(csvCell).join(',');
