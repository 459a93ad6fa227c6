// The claim CSV the console accepts: a header naming at least devEui and claimCode (any order, any case), one
// device per line, optional networkServerId and applicationServerId columns.

export interface ClaimRow {
  /** 1-based row number in the file, counting the header as row 0 (what the per-row results name). */
  readonly row: number;
  readonly devEui: string;
  readonly claimCode: string;
  readonly networkServerId?: string;
  readonly applicationServerId?: string;
}

function splitLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

/** The rows of a claim CSV, or what is wrong with its header. Empty lines are skipped. */
export function parseClaimCsv(text: string): { rows: ClaimRow[] } | { error: string } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const at = (name: string) => header.indexOf(name.toLowerCase());
  const devEuiAt = at('devEui');
  const claimCodeAt = at('claimCode');
  if (devEuiAt < 0 || claimCodeAt < 0)
    return { error: 'the first line must be a header naming the columns devEui and claimCode' };
  const nsAt = at('networkServerId');
  const asAt = at('applicationServerId');
  const rows: ClaimRow[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = splitLine(line);
    const ns = nsAt < 0 ? '' : (cells[nsAt] ?? '');
    const as = asAt < 0 ? '' : (cells[asAt] ?? '');
    rows.push({
      row: i + 1,
      devEui: (cells[devEuiAt] ?? '').toUpperCase(),
      claimCode: cells[claimCodeAt] ?? '',
      ...(ns === '' ? {} : { networkServerId: ns }),
      ...(as === '' ? {} : { applicationServerId: as }),
    });
  });
  return { rows };
}
