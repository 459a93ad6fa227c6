import {
  Anchor,
  Badge,
  Button,
  Group,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useCapabilities } from '../api/capabilities';
import { listDevices, listPeers, type DeviceFilters } from '../api/resources';
import { rolesOf, useAuth } from '../auth';
import { EmptyState, ErrorNotice, PageTitle } from '../components/common';
import { useLoad } from '../components/hooks';
import { TableScroll } from '../components/data-table';
import { formatTime } from '../lib/format';

const pageSize = 25;

export function DevicesPage() {
  const caps = useCapabilities();
  const { session } = useAuth();
  const roles = rolesOf(session);
  const [prefix, setPrefix] = useState('');
  const [filters, setFilters] = useState<DeviceFilters>({});
  // Cursors of the pages seen so far: page n+1 starts at cursors[n].
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState(1);
  const filtering = caps?.takes('GET', '/api/v1/devices', 'devEuiPrefix') === true;
  const peers = useLoad(
    () => (roles.inAccount ? listPeers('network-servers') : Promise.resolve([])),
    [roles.inAccount],
  );
  const devices = useLoad(
    () =>
      caps === undefined
        ? new Promise<never>(() => undefined)
        : listDevices(caps, filters, cursors[page - 1] ?? null, pageSize),
    [caps, filters, page, cursors],
  );
  const setFilter = (next: DeviceFilters) => {
    setFilters(next);
    setCursors([null]);
    setPage(1);
  };
  const nsName = (id: string | null) => peers.data?.find((p) => p.id === id)?.name ?? id ?? '—';
  const next = devices.data?.nextCursor ?? null;
  const known = cursors.length + (next !== null && cursors.length === page ? 1 : 0);

  return (
    <Stack>
      <PageTitle
        actions={
          roles.inAccount && roles.canChange ? (
            <Button component={Link} to="/claim">
              Claim devices
            </Button>
          ) : null
        }
      >
        Devices
      </PageTitle>
      {filtering ? (
        <Group align="flex-end" wrap="wrap">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setFilter({ ...filters, devEuiPrefix: prefix.trim().toUpperCase() });
            }}
          >
            <Group align="flex-end" gap="xs">
              <TextInput
                label="DevEUI starts with"
                placeholder="0004A30B"
                value={prefix}
                onChange={(e) => setPrefix(e.currentTarget.value)}
                maxLength={16}
              />
              <Button type="submit" variant="default">
                Search
              </Button>
            </Group>
          </form>
          <Select
            label="Network server"
            clearable
            data={(peers.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            value={filters.networkServerId ?? null}
            onChange={(v) =>
              setFilter({ ...filters, ...(v === null ? { networkServerId: '' } : { networkServerId: v }) })
            }
          />
          <Select
            label="Activated"
            clearable
            data={[
              { value: 'true', label: 'Joined at least once' },
              { value: 'false', label: 'Never joined' },
            ]}
            value={filters.activated || null}
            onChange={(v) => setFilter({ ...filters, activated: v ?? '' })}
          />
          <Select
            label="MAC version"
            clearable
            data={[...(caps?.allowed('GET', '/api/v1/devices', 'macVersion') ?? [])]}
            value={filters.macVersion || null}
            onChange={(v) => setFilter({ ...filters, macVersion: v ?? '' })}
          />
        </Group>
      ) : null}
      <ErrorNotice error={devices.error} title="Could not list the devices" />
      {devices.data !== undefined && devices.data.items.length === 0 ? (
        <EmptyState
          title={Object.values(filters).some((v) => v) ? 'No device matches these filters' : 'No devices yet'}
          action={
            roles.inAccount && roles.canChange ? (
              <Button component={Link} to="/claim" variant="default">
                Claim your first device
              </Button>
            ) : undefined
          }
        >
          {roles.inAccount
            ? 'Claim a device with its DevEUI and the claim code printed with it, scan its QR code, or upload a CSV of many.'
            : 'Devices appear here once a manufacturer batch is imported (Operator → Device batches).'}
        </EmptyState>
      ) : null}
      {devices.data !== undefined && devices.data.items.length > 0 ? (
        <TableScroll minWidth={640}>
          <Table striped highlightOnHover aria-label="Devices">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>DevEUI</Table.Th>
                <Table.Th>MAC</Table.Th>
                <Table.Th>Network server</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Joins</Table.Th>
                <Table.Th>Last join</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {devices.data.items.map((d) => (
                <Table.Tr key={d.devEui}>
                  <Table.Td>
                    <Anchor component={Link} to={`/devices/${d.devEui}`} ff="monospace">
                      {d.devEui}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{d.macVersion}</Table.Td>
                  <Table.Td>{d.claimed ? nsName(d.networkServerId) : '—'}</Table.Td>
                  <Table.Td>
                    {!d.claimed ? (
                      <Badge color="gray.8">unclaimed</Badge>
                    ) : d.activated ? (
                      <Badge color="teal.9">activated</Badge>
                    ) : (
                      <Badge color="indigo.9">claimed</Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{d.joinCount}</Table.Td>
                  <Table.Td>{formatTime(d.lastJoinAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      ) : null}
      {known > 1 ? (
        <Group justify="space-between">
          <Text size="sm">Page {page}</Text>
          <Pagination
            total={known}
            value={page}
            getItemProps={(n) => ({ 'aria-label': `Page ${n}` })}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            onChange={(n) => {
              if (n > cursors.length && next !== null) setCursors([...cursors, next]);
              setPage(n);
            }}
          />
        </Group>
      ) : null}
    </Stack>
  );
}
