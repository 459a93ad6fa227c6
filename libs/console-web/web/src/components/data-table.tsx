// The console's lists: a striped table with a header row, one row per item, that scrolls sideways at phone width.
import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

export interface Column<T> {
  /** The header cell; `actionsHeader` for a column of row buttons. */
  readonly header: ReactNode;
  readonly cell: (row: T) => ReactNode;
  /** Monospace cells (IDs, EUIs). */
  readonly mono?: boolean;
}

/** The header of a column of row buttons: named for screen readers, blank on screen. */
export const actionsHeader = <span className="visually-hidden">Actions</span>;

/**
 * `rows` as a table named `label` (its accessible name): nothing while they are loading (`undefined`); when there are
 * none, `empty` instead of the table, or without `empty` the header alone.
 */
export function DataTable<T>({
  label,
  minWidth,
  columns,
  rows,
  rowKey,
  rowProps,
  empty,
  striped = true,
  highlightOnHover = false,
}: {
  label: string;
  minWidth: number;
  columns: readonly Column<T>[];
  rows: readonly T[] | undefined;
  rowKey: (row: T) => string | number;
  /** Attributes of a row's `<tr>` (`data-*` for tests). */
  rowProps?: (row: T) => Record<string, string>;
  empty?: ReactNode | undefined;
  striped?: boolean;
  /** Rows that stand out under the pointer (rows that lead somewhere). */
  highlightOnHover?: boolean;
}) {
  if (rows === undefined) return null;
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  return (
    <TableScroll minWidth={minWidth}>
      <Table striped={striped} highlightOnHover={highlightOnHover} aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c, i) => (
              <Table.Th key={i}>{c.header}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((c, i) => (
                <Table.Td key={i} {...(c.mono === true ? { ff: 'monospace' } : {})}>
                  {c.cell(row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </TableScroll>
  );
}

/**
 * A table that scrolls sideways at phone width; the scrolling region takes the keyboard focus so that it can be
 * scrolled without a pointer.
 */
export function TableScroll({ minWidth, children }: { minWidth: number; children: ReactNode }) {
  return (
    <div role="region" aria-label="Table, scrolls sideways" tabIndex={0} style={{ overflowX: 'auto' }}>
      <div style={{ minWidth }}>{children}</div>
    </div>
  );
}
