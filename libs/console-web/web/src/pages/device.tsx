import {
  Badge,
  Button,
  Card,
  Code,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, authHeaders, ok, query, request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { listPeers, type JoinActivity } from '../api/resources';
import { rolesOf, useAuth } from '../auth';
import { ErrorNotice, PageTitle } from '../components/common';
import { useAction, useLoad } from '../components/hooks';
import { DialogActions } from '../components/dialog-actions';
import { formatTime } from '../lib/format';
import { followEvents } from '../lib/sse';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" fw={700} tt="uppercase">
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}

function Activity({
  devEui,
  nsName,
  onJoin,
}: {
  devEui: string;
  nsName: (id: string | null) => string;
  onJoin: () => void;
}) {
  const caps = useCapabilities();
  const [items, setItems] = useState<JoinActivity[]>([]);
  const [state, setState] = useState<string>('connecting');
  const [error, setError] = useState<unknown>();
  const base = `/api/v1/devices/${devEui}/activity`;
  const offered = caps?.has('GET', '/api/v1/devices/{devEui}/activity') ?? false;
  const live = caps?.has('GET', '/api/v1/devices/{devEui}/activity/stream') ?? false;

  useEffect(() => {
    if (!offered) return;
    const controller = new AbortController();
    void (async () => {
      try {
        const page = await request<{ items: JoinActivity[] }>('GET', `${base}${query({ limit: 50 })}`);
        setItems(page.items);
      } catch (err) {
        setError(err);
      }
      if (!live) return;
      await followEvents(
        `${base}/stream`,
        authHeaders('GET'),
        controller.signal,
        (event) => {
          if (event.event !== 'join') return;
          const item = JSON.parse(event.data) as JoinActivity;
          setItems((old) => [item, ...old].slice(0, 200));
          onJoin();
        },
        (s) => setState(typeof s === 'string' ? s : `stopped (HTTP ${s.status})`),
      );
    })();
    return () => controller.abort();
    // onJoin is a reload function that never changes.
  }, [base, offered, live]);

  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Join activity
        </Title>
        {live ? (
          <Badge color={state === 'live' ? 'teal.9' : 'gray.8'} data-testid="activity-state">
            {state === 'live' ? 'live' : state}
          </Badge>
        ) : null}
      </Group>
      {!offered ? (
        <Text size="sm">
          This Joinery does not record join activity yet; the join count and last join are above.
        </Text>
      ) : null}
      <ErrorNotice error={error} title="Could not load the activity" />
      {offered && items.length === 0 ? (
        <Text size="sm">
          No join-request yet. Power the device on within reach of a gateway of its network server.
        </Text>
      ) : null}
      <Timeline bulletSize={14} lineWidth={2} data-testid="activity">
        {items.map((a, i) => (
          <Timeline.Item
            key={`${a.at}-${i}`}
            color={a.result === 'accepted' ? 'teal.9' : 'red.9'}
            title={`${a.result === 'accepted' ? 'Join accepted' : 'Join refused'} · ${a.resultCode}${a.errorCode ? ` (${a.errorCode})` : ''}`}
          >
            <Text size="sm">
              {formatTime(a.at)} · {nsName(a.networkServerId)} {a.netId === null ? '' : `(NetID ${a.netId})`}{' '}
              · DevNonce {a.devNonce ?? '—'} · {a.joinType}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Card>
  );
}

export function DevicePage() {
  const { devEui = '' } = useParams();
  const navigate = useNavigate();
  const { session } = useAuth();
  const roles = rolesOf(session);
  const path = { params: { path: { devEui } } };
  const device = useLoad(() => ok(api.GET('/api/v1/devices/{devEui}', path)), [devEui]);
  const nonces = useLoad(() => ok(api.GET('/api/v1/devices/{devEui}/nonces', path)), [devEui]);
  const peers = useLoad(
    () => (roles.inAccount ? listPeers('network-servers') : Promise.resolve([])),
    [roles.inAccount],
  );
  const [moveTo, setMoveTo] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'unclaim' | 'reset'>();
  const [reason, setReason] = useInputState('');
  const { error, busy, run } = useAction();
  const d = device.data;
  const nsName = (id: string | null) => peers.data?.find((p) => p.id === id)?.name ?? id ?? '—';
  const owner = d !== undefined && roles.inAccount && d.accountId === (session?.accountId ?? null);

  // The stream announces a join as it is decided; the device's counters follow once claims has applied the event
  // (moments later), so they are read again now and shortly after.
  const followJoin = useCallback(() => {
    for (const ms of [0, 1000, 3000]) setTimeout(device.reload, ms);
  }, [device.reload]);

  const act = async (action: () => Promise<unknown>) => {
    await run(async () => {
      await action();
      setDialog(undefined);
      device.reload();
      nonces.reload();
    });
  };

  return (
    <Stack>
      <PageTitle>
        Device <Code fz="inherit">{devEui}</Code>
      </PageTitle>
      <ErrorNotice error={device.error} title="Could not load the device" />
      <ErrorNotice error={error} />
      {d === undefined ? null : (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              Binding and activation
            </Title>
            <SimpleGrid cols={2} spacing="sm">
              <Field label="Status">
                {!d.claimed ? 'unclaimed' : d.activated ? 'claimed, activated' : 'claimed, not joined yet'}
              </Field>
              <Field label="Network server">
                <span data-testid="device-ns">{d.claimed ? nsName(d.networkServerId) : '—'}</span>
              </Field>
              <Field label="JoinEUI">{d.joinEui}</Field>
              <Field label="MAC version">{d.macVersion}</Field>
              <Field label="Joins">
                <span data-testid="join-count">{d.joinCount}</span>
              </Field>
              <Field label="Last join">{formatTime(d.lastJoinAt)}</Field>
            </SimpleGrid>
            {owner && roles.canChange && d.claimed ? (
              <Stack mt="md" gap="xs">
                <Group align="flex-end" wrap="wrap">
                  <Select
                    label="Move to network server"
                    data={(peers.data ?? [])
                      .filter((p) => p.id !== d.networkServerId)
                      .map((p) => ({ value: p.id, label: p.name }))}
                    value={moveTo}
                    onChange={setMoveTo}
                    placeholder="Choose one"
                  />
                  <Button
                    variant="default"
                    disabled={moveTo === null}
                    loading={busy}
                    onClick={() =>
                      void act(() =>
                        request('PUT', `/api/v1/devices/${devEui}/network-server`, {
                          networkServerId: moveTo,
                        }),
                      )
                    }
                  >
                    Move
                  </Button>
                </Group>
                <Text size="xs">The old network server is refused from the moment of the move.</Text>
                <Group>
                  <Button color="red.9" variant="outline" onClick={() => setDialog('unclaim')}>
                    Unclaim
                  </Button>
                </Group>
              </Stack>
            ) : null}
          </Card>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              Nonces
            </Title>
            <ErrorNotice error={nonces.error} title="Could not load the nonce state" />
            {nonces.data === undefined ? null : (
              <>
                <SimpleGrid cols={2} spacing="sm">
                  <Field label="JoinNonce">{nonces.data.joinNonce}</Field>
                  <Field label="Last DevNonce">{nonces.data.lastDevNonce ?? '—'}</Field>
                  <Field label="DevNonces remembered">{nonces.data.devNonceHistorySize}</Field>
                  <Field label="Sessions">{nonces.data.sessionCount}</Field>
                </SimpleGrid>
                {nonces.data.resets.length === 0 ? null : (
                  <Table mt="sm" aria-label="DevNonce resets">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Reset at</Table.Th>
                        <Table.Th>By</Table.Th>
                        <Table.Th>Reason</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {nonces.data.resets.map((r) => (
                        <Table.Tr key={r.at}>
                          <Table.Td>{formatTime(r.at)}</Table.Td>
                          <Table.Td>{r.actor}</Table.Td>
                          <Table.Td>{r.reason}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
                {roles.canChange ? (
                  <Button mt="md" variant="default" onClick={() => setDialog('reset')}>
                    Reset DevNonce…
                  </Button>
                ) : null}
              </>
            )}
          </Card>
        </SimpleGrid>
      )}
      {d === undefined ? null : <Activity devEui={d.devEui} nsName={nsName} onJoin={followJoin} />}
      <Modal opened={dialog === 'unclaim'} onClose={() => setDialog(undefined)} title="Unclaim this device?">
        <Stack>
          <Text size="sm">
            No network server can activate it any more, and anyone with its claim code can claim it. Its
            one-time fee is not charged again.
          </Text>
          <DialogActions onCancel={() => setDialog(undefined)}>
            <Button
              color="red.9"
              loading={busy}
              onClick={() =>
                void act(async () => {
                  await request('DELETE', `/api/v1/claims/${devEui}`);
                  void navigate('/devices');
                })
              }
            >
              Unclaim
            </Button>
          </DialogActions>
        </Stack>
      </Modal>
      <Modal
        opened={dialog === 'reset'}
        onClose={() => setDialog(undefined)}
        title="Reset the DevNonce state"
      >
        <Stack>
          <Text size="sm">
            For a device that lost its DevNonce counter (new battery, firmware update). Old join-requests can
            be replayed afterwards, so say why; the reason is recorded. The JoinNonce is never reset.
          </Text>
          <Textarea
            label="Reason"
            required
            minLength={1}
            maxLength={500}
            value={reason}
            onChange={setReason}
          />
          <ErrorNotice error={error} />
          <DialogActions onCancel={() => setDialog(undefined)}>
            <Button
              color="red.9"
              loading={busy}
              disabled={reason.trim() === ''}
              onClick={() =>
                void act(() =>
                  request('POST', `/api/v1/devices/${devEui}/devnonce-resets`, { reason: reason.trim() }),
                )
              }
            >
              Reset DevNonce
            </Button>
          </DialogActions>
        </Stack>
      </Modal>
    </Stack>
  );
}
