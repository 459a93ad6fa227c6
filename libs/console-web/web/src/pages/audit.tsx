import { Button, Code, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { query, request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import {
  EmptyState,
  ErrorNotice,
  formatTime,
  NotOffered,
  PageTitle,
  useLoad,
  TableScroll,
} from '../components/common';

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
  const [action, setAction] = useState('');
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
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(action.trim());
          setCursors([null]);
        }}
      >
        <Group align="flex-end">
          <TextInput
            label="Action"
            placeholder="device.claimed"
            value={action}
            onChange={(e) => setAction(e.currentTarget.value)}
          />
          <Button type="submit" variant="default">
            Filter
          </Button>
        </Group>
      </form>
      <ErrorNotice error={page.error} title="Could not read the audit log" />
      {page.data !== undefined && items.length === 0 ? (
        <EmptyState title="Nothing recorded yet">
          Every change to the account and every key release is recorded here.
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <TableScroll minWidth={720}>
          <Table striped aria-label="Audit log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th>From</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>{formatTime(e.at)}</Table.Td>
                  <Table.Td>
                    <Code>{e.action}</Code>
                  </Table.Td>
                  <Table.Td>
                    {e.actor.type} {e.actor.name ?? e.actor.id}
                  </Table.Td>
                  <Table.Td ff="monospace">
                    {e.target === null ? '—' : `${e.target.type} ${e.target.id}`}
                  </Table.Td>
                  <Table.Td>{e.sourceAddress ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      ) : null}
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
