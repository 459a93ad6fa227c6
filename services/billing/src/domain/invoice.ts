import type { ChargeRecord } from './model.js';

export interface Invoice {
  readonly accountId: string;
  readonly year: number;
  readonly month: number;
  readonly charges: readonly ChargeRecord[];
  readonly totalMinor: number;
  readonly currency: string;
  readonly csv: string;
}

/** The calendar month in UTC as [from, to) Unix ms. */
export function monthRange(year: number, month: number): { from: number; to: number } {
  return { from: Date.UTC(year, month - 1, 1), to: Date.UTC(year, month, 1) };
}

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * The invoice of one account for one month. Charges in several currencies (the fee's currency changed mid-month)
 * are totalled per currency on separate lines; `totalMinor` and `currency` then describe the first.
 */
export function buildInvoice(
  accountId: string,
  year: number,
  month: number,
  charges: readonly ChargeRecord[],
  defaultCurrency: string,
): Invoice {
  const totals = new Map<string, number>();
  for (const c of charges) totals.set(c.currency, (totals.get(c.currency) ?? 0) + c.amountMinor);
  if (totals.size === 0) totals.set(defaultCurrency, 0);
  const [currency, totalMinor] = [...totals][0] as [string, number];
  const lines = [
    'devEui,accountId,amountMinor,currency,chargedAt,joinEventId',
    ...charges.map((c) =>
      [
        c.devEui,
        c.accountId,
        String(c.amountMinor),
        c.currency,
        new Date(c.chargedAt).toISOString(),
        c.joinEventId,
      ]
        .map(csvCell)
        .join(','),
    ),
    ...[...totals].map(([cur, total]) => `total,${csvCell(accountId)},${total},${cur},,`),
  ];
  return { accountId, year, month, charges, totalMinor, currency, csv: `${lines.join('\n')}\n` };
}
