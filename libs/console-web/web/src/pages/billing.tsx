import { Button, Card, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { download, query, request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { useRoles } from '../auth';
import { EmptyState, ErrorNotice, PageTitle } from '../components/common';
import { useLoad } from '../components/hooks';
import { DataTable } from '../components/data-table';
import { formatMoney, formatTime } from '../lib/format';

interface Charge {
  devEui: string;
  accountId: string;
  amountMinor: number;
  currency: string;
  chargedAt: string;
}

interface InvoiceSummary {
  period: string;
  number?: string | null;
  status?: 'draft' | 'issued';
}

/** The last twelve months, newest first, as `YYYY-MM`. */
function recentPeriods(now = new Date()): string[] {
  return Array.from({ length: 12 }, (_, i) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}

export function BillingPage() {
  const caps = useCapabilities();
  const roles = useRoles();
  const charges = useLoad(() => request<{ charges: Charge[] }>('GET', '/api/v1/billing/charges'), []);
  const invoiceList = useLoad(
    () =>
      caps?.has('GET', '/api/v1/billing/invoices')
        ? request<{ items: InvoiceSummary[] }>('GET', '/api/v1/billing/invoices').then((p) => p.items)
        : Promise.resolve(recentPeriods().map((period): InvoiceSummary => ({ period }))),
    [caps],
  );
  const [period, setPeriod] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const pdf = caps?.has('GET', '/api/v1/billing/invoices/{period}') === true;
  const items = charges.data?.charges ?? [];
  const total = items.reduce((sum, c) => sum + c.amountMinor, 0);
  const chosen = period ?? invoiceList.data?.[0]?.period ?? null;
  const get = (format: 'csv' | 'pdf') => {
    if (chosen === null) return;
    setError(undefined);
    download(
      `/api/v1/billing/invoices/${chosen}${query({ format })}`,
      `joinery-invoice-${chosen}.${format}`,
    ).catch(setError);
  };

  return (
    <Stack>
      <PageTitle>Billing</PageTitle>
      <Text size="sm">Each device pays its activation fee once in its life, at its first accepted join.</Text>
      {roles.inAccount ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Invoices
          </Title>
          <Group align="flex-end" wrap="wrap">
            <Select
              label="Month"
              data={(invoiceList.data ?? []).map((i) => ({
                value: i.period,
                label:
                  i.number == null
                    ? `${i.period}${i.status === 'draft' ? ' (draft)' : ''}`
                    : `${i.period} · ${i.number}`,
              }))}
              value={chosen}
              onChange={setPeriod}
              allowDeselect={false}
            />
            <Button variant="default" onClick={() => get('csv')} disabled={chosen === null}>
              Download CSV
            </Button>
            {pdf ? (
              <Button variant="default" onClick={() => get('pdf')} disabled={chosen === null}>
                Download PDF
              </Button>
            ) : null}
          </Group>
          <ErrorNotice error={error ?? invoiceList.error} title="Could not get the invoice" />
        </Card>
      ) : null}
      <Title order={2} size="h4">
        Charges
      </Title>
      <ErrorNotice error={charges.error} title="Could not list the charges" />
      {items.length > 0 ? (
        <Text size="sm" data-testid="charges-total">
          {items.length} {items.length === 1 ? 'device' : 'devices'} charged,{' '}
          {formatMoney(total, items[0]?.currency ?? 'USD')} in total
        </Text>
      ) : null}
      <DataTable
        label="Charges"
        minWidth={520}
        rows={charges.data === undefined ? undefined : items}
        rowKey={(c) => `${c.devEui}-${c.chargedAt}`}
        columns={[
          { header: 'DevEUI', cell: (c) => c.devEui, mono: true },
          ...(roles.operator ? [{ header: 'Account', cell: (c: Charge) => c.accountId }] : []),
          { header: 'Amount', cell: (c) => formatMoney(c.amountMinor, c.currency) },
          { header: 'Charged at', cell: (c) => formatTime(c.chargedAt) },
        ]}
        empty={
          <EmptyState title="No charges yet">
            A device is charged when it joins for the first time through its network server.
          </EmptyState>
        }
      />
    </Stack>
  );
}
