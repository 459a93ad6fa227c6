import { Button, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useState } from 'react';
import { query, request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { EmptyState, ErrorNotice, NotOffered, PageTitle } from '../components/common';
import { useLoad } from '../components/hooks';
import { ActionForm } from '../components/action-form';
import { DataTable } from '../components/data-table';
import { formatTime } from '../lib/format';

interface AuditEntry {
  id: string;
  at: string;
  accountId: string | null;
  actor: { type: string; id: string; name?: string | null };
  action: string;
  target: { type: string; id: string } | null;
  sourceAddress: string | null;
  details?: Record<string, unknown>;
}

export function AuditPage() {
  const caps = useCapabilities();
  const offered = caps?.has('GET', '/api/v1/audit') ?? false;
  const [action, setAction] = useInputState('');
  const [filter, setFilter] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const page = useLoad(
    () =>
      offered
        ? request<{ items: AuditEntry[]; nextCursor: string | null }>(
            'GET',
            `/api/v1/audit${query({ action: filter, cursor, limit: 50 })}`,
          )
        : Promise.resolve(undefined),
    [offered, filter, cursor],
  );
  if (caps !== undefined && !offered) return <NotOffered what="The audit log" />;
  const items = page.data?.items ?? [];
  return (
    <Stack>
      <PageTitle>Audit log</PageTitle>
      <ActionForm
        onSubmit={() => {
          setFilter(action.trim());
          setCursors([null]);
        }}
      >
        <Group align="flex-end">
          <TextInput label="Action" placeholder="device.claimed" value={action} onChange={setAction} />
          <Button type="submit" variant="default">
            Filter
          </Button>
        </Group>
      </ActionForm>
      <ErrorNotice error={page.error} title="Could not read the audit log" />
      <DataTable
        label="Audit log"
        minWidth={720}
        rows={page.data === undefined ? undefined : items}
        rowKey={(e) => e.id}
        columns={[
          { header: 'When', cell: (e) => formatTime(e.at) },
          { header: 'Action', cell: (e) => <Code>{e.action}</Code> },
          { header: 'Who', cell: (e) => `${e.actor.type} ${e.actor.name ?? e.actor.id}` },
          {
            header: 'What',
            cell: (e) => (e.target === null ? '—' : `${e.target.type} ${e.target.id}`),
            mono: true,
          },
          { header: 'From', cell: (e) => e.sourceAddress ?? '—' },
        ]}
        empty={
          <EmptyState title="Nothing recorded yet">
            Every change to the account and every key release is recorded here.
          </EmptyState>
        }
      />
      <Group>
        {cursors.length > 1 ? (
          <Button variant="default" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </Button>
        ) : null}
        {page.data?.nextCursor ? (
          <Button variant="default" onClick={() => setCursors([...cursors, page.data?.nextCursor ?? null])}>
            Older
          </Button>
        ) : null}
        <Text size="sm">{items.length} entries on this page</Text>
      </Group>
    </Stack>
  );
}
