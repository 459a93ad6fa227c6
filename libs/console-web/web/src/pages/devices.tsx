import { Anchor, Badge, Button, Group, Pagination, Select, Stack, Text, TextInput } from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { useCapabilities } from '../api/capabilities';
import { listDevices, listPeers, type DeviceFilters } from '../api/resources';
import { useRoles } from '../auth';
import { EmptyState, ErrorNotice, PageTitle } from '../components/common';
import { useLoad } from '../components/hooks';
import { ActionForm } from '../components/action-form';
import { DataTable } from '../components/data-table';
import { formatTime } from '../lib/format';

const pageSize = 25;

export function DevicesPage() {
  const caps = useCapabilities();
  const roles = useRoles();
  const [prefix, setPrefix] = useInputState('');
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
          <ActionForm onSubmit={() => setFilter({ ...filters, devEuiPrefix: prefix.trim().toUpperCase() })}>
            <Group align="flex-end" gap="xs">
              <TextInput
                label="DevEUI starts with"
                placeholder="0004A30B"
                value={prefix}
                onChange={setPrefix}
                maxLength={16}
              />
              <Button type="submit" variant="default">
                Search
              </Button>
            </Group>
          </ActionForm>
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
      <DataTable
        label="Devices"
        minWidth={640}
        highlightOnHover
        rows={devices.data?.items}
        rowKey={(d) => d.devEui}
        columns={[
          {
            header: 'DevEUI',
            cell: (d) => (
              <Anchor component={Link} to={`/devices/${d.devEui}`} ff="monospace">
                {d.devEui}
              </Anchor>
            ),
          },
          { header: 'MAC', cell: (d) => d.macVersion },
          { header: 'Network server', cell: (d) => (d.claimed ? nsName(d.networkServerId) : '—') },
          {
            header: 'Status',
            cell: (d) =>
              !d.claimed ? (
                <Badge color="gray.8">unclaimed</Badge>
              ) : d.activated ? (
                <Badge color="teal.9">activated</Badge>
              ) : (
                <Badge color="indigo.9">claimed</Badge>
              ),
          },
          { header: 'Joins', cell: (d) => d.joinCount },
          { header: 'Last join', cell: (d) => formatTime(d.lastJoinAt) },
        ]}
        empty={
          <EmptyState
            title={
              Object.values(filters).some((v) => v) ? 'No device matches these filters' : 'No devices yet'
            }
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
        }
      />
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
