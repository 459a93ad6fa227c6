import { claimsErrors } from './errors.js';
import { isLoRaWAN11, normalizeEui, normalizeHex, parseMacVersion } from './identifiers.js';
import { macVersions, type MacVersion } from './model.js';
import type { RootKeyMaterial } from './ports.js';
import { isValidClaimCode } from './qr-code.js';

/** A root key as the manufacturer sends it: hex, or wrapped (hex) under a transport KEK. */
export type BatchKeyInput = string | { readonly kekLabel: string; readonly wrapped: string };

/** One row as received (JSON or CSV), not yet validated. */
export interface BatchRowInput {
  readonly devEui?: string | undefined;
  readonly joinEui?: string | undefined;
  readonly macVersion?: string | undefined;
  readonly nwkKey?: BatchKeyInput | undefined;
  readonly appKey?: BatchKeyInput | undefined;
  readonly claimCode?: string | undefined;
}

export interface BatchRow {
  readonly devEui: string;
  readonly joinEui: string;
  readonly macVersion: MacVersion;
  readonly keys: RootKeyMaterial;
  readonly claimCode: string;
}

export const maxBatchRows = 100_000;

/** Thrown for the first bad row: `claims:invalid_batch` with {row (1-based), field, reason}. */
function rowError(row: number, field: string, reason: string): never {
  throw claimsErrors.invalid_batch({ row, field, reason }, `row ${row}: ${field} ${reason}`);
}

function parseKey(
  row: number,
  field: string,
  input: BatchKeyInput,
): { kind: 'plain'; key: Uint8Array } | { kind: 'wrapped'; kekLabel: string; wrapped: Uint8Array } {
  if (typeof input === 'string') {
    const hex = normalizeHex(input, 16);
    if (hex === null) rowError(row, field, 'must be 32 hex digits (16 bytes)');
    return { kind: 'plain', key: Buffer.from(hex, 'hex') };
  }
  if (typeof input.kekLabel !== 'string' || input.kekLabel === '')
    rowError(row, field, 'kekLabel is missing');
  const hex = typeof input.wrapped === 'string' ? normalizeHex(input.wrapped, 24) : null;
  if (hex === null) rowError(row, field, 'wrapped key must be 48 hex digits (24 bytes)');
  return { kind: 'wrapped', kekLabel: input.kekLabel, wrapped: Buffer.from(hex, 'hex') };
}

function validateRow(input: BatchRowInput, row: number, defaultJoinEui: string | null): BatchRow {
  const devEui = normalizeEui(input.devEui ?? '');
  if (devEui === null) rowError(row, 'devEui', 'must be 16 hex digits');
  const joinEuiText = input.joinEui !== undefined && input.joinEui !== '' ? input.joinEui : defaultJoinEui;
  if (joinEuiText === null) rowError(row, 'joinEui', 'is missing (no batch joinEui either)');
  const joinEui = normalizeEui(joinEuiText);
  if (joinEui === null) rowError(row, 'joinEui', 'must be 16 hex digits');
  const macVersion = parseMacVersion(input.macVersion ?? '');
  if (macVersion === null) rowError(row, 'macVersion', `must be one of ${macVersions.join(', ')}`);
  if (input.nwkKey === undefined || input.nwkKey === '') rowError(row, 'nwkKey', 'is missing');
  const nwk = parseKey(row, 'nwkKey', input.nwkKey);
  const hasAppKey = input.appKey !== undefined && input.appKey !== '';
  if (isLoRaWAN11(macVersion) && !hasAppKey) rowError(row, 'appKey', 'is required for LoRaWAN 1.1');
  if (!isLoRaWAN11(macVersion) && hasAppKey)
    rowError(row, 'appKey', 'must be empty for LoRaWAN 1.0.x (nwkKey is the root key)');
  const app = hasAppKey ? parseKey(row, 'appKey', input.appKey as BatchKeyInput) : null;
  let keys: RootKeyMaterial;
  if (nwk.kind === 'plain') {
    if (app !== null && app.kind !== 'plain') rowError(row, 'appKey', 'must be hex like nwkKey');
    keys = { kind: 'plain', nwkKey: nwk.key, appKey: app === null ? null : (app as { key: Uint8Array }).key };
  } else {
    if (app !== null && (app.kind !== 'wrapped' || app.kekLabel !== nwk.kekLabel))
      rowError(row, 'appKey', 'must be wrapped under the same kekLabel as nwkKey');
    keys = {
      kind: 'wrapped',
      kekLabel: nwk.kekLabel,
      wrappedNwkKey: nwk.wrapped,
      wrappedAppKey: app === null ? null : (app as { wrapped: Uint8Array }).wrapped,
    };
  }
  const claimCode = input.claimCode ?? '';
  if (!isValidClaimCode(claimCode))
    rowError(row, 'claimCode', 'must be 4–64 printable ASCII characters without ":"');
  return { devEui, joinEui, macVersion, keys, claimCode };
}

/** Validates every row before anything is stored; the first bad row fails the batch. */
export function validateBatch(rows: readonly BatchRowInput[], defaultJoinEui: string | null): BatchRow[] {
  if (rows.length === 0)
    throw claimsErrors.invalid_batch({ row: 0, field: 'devices', reason: 'the batch is empty' });
  if (rows.length > maxBatchRows)
    throw claimsErrors.invalid_batch({
      row: maxBatchRows + 1,
      field: 'devices',
      reason: `at most ${maxBatchRows} rows`,
    });
  let joinEui: string | null = null;
  if (defaultJoinEui !== null && defaultJoinEui !== '') {
    joinEui = normalizeEui(defaultJoinEui);
    if (joinEui === null)
      throw claimsErrors.invalid_batch({ row: 0, field: 'joinEui', reason: 'must be 16 hex digits' });
  }
  const seen = new Map<string, number>();
  return rows.map((input, i) => {
    const row = validateRow(input, i + 1, joinEui);
    const first = seen.get(row.devEui);
    if (first !== undefined) rowError(i + 1, 'devEui', `duplicates row ${first}`);
    seen.set(row.devEui, i + 1);
    return row;
  });
}

const csvColumns = [
  'devEui',
  'joinEui',
  'macVersion',
  'nwkKey',
  'appKey',
  'claimCode',
  'kekLabel',
  'wrappedNwkKey',
  'wrappedAppKey',
] as const;
type CsvColumn = (typeof csvColumns)[number];

/**
 * Parses CSV rows (header line first; comma-separated; no quoting needed since no field may contain a comma).
 * Columns: devEui, joinEui?, macVersion, nwkKey, appKey?, claimCode; wrapped keys use kekLabel, wrappedNwkKey,
 * wrappedAppKey instead of nwkKey/appKey. Blank lines are skipped; row numbers count data rows from 1.
 */
export function parseBatchCsv(csv: string): BatchRowInput[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  const headerLine = lines.shift();
  if (headerLine === undefined)
    throw claimsErrors.invalid_batch({ row: 0, field: 'csv', reason: 'no header line' });
  const header = headerLine.split(',').map((h) => h.trim());
  for (const h of header)
    if (!(csvColumns as readonly string[]).includes(h))
      throw claimsErrors.invalid_batch({ row: 0, field: h, reason: 'unknown column' });
  for (const required of ['devEui', 'macVersion', 'claimCode'] as const)
    if (!header.includes(required))
      throw claimsErrors.invalid_batch({ row: 0, field: required, reason: 'column missing' });
  return lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length)
      rowError(i + 1, 'csv', `has ${cells.length} columns, the header ${header.length}`);
    const get = (c: CsvColumn): string | undefined => {
      const idx = header.indexOf(c);
      const v = idx < 0 ? undefined : cells[idx];
      return v === '' ? undefined : v;
    };
    const kekLabel = get('kekLabel');
    const wrap = (v: string | undefined): BatchKeyInput | undefined =>
      v === undefined ? undefined : kekLabel === undefined ? v : { kekLabel, wrapped: v };
    return {
      devEui: get('devEui'),
      joinEui: get('joinEui'),
      macVersion: get('macVersion'),
      nwkKey: kekLabel === undefined ? get('nwkKey') : wrap(get('wrappedNwkKey')),
      appKey: kekLabel === undefined ? get('appKey') : wrap(get('wrappedAppKey')),
      claimCode: get('claimCode'),
    };
  });
}
