import {
  Badge,
  Button,
  Card,
  Code,
  FileButton,
  Group,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useState } from 'react';
import { api, ok, request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { useRoles } from '../auth';
import { ActionForm } from '../components/action-form';
import { CopyField, EmptyState, ErrorNotice, mono, NotOffered, PageTitle } from '../components/common';
import { useAction, useLoad } from '../components/hooks';
import { DataTable } from '../components/data-table';
import { formatTime } from '../lib/format';

interface Account {
  id: string;
  name: string;
  createdAt?: string;
}

function OperatorOnly({ children }: { children: React.ReactNode }) {
  if (!useRoles().operator) return <NotOffered what="This operator page (you are not the operator)" />;
  return <>{children}</>;
}

export function OperatorAccountsPage() {
  const accounts = useLoad(
    () =>
      request<{ accounts?: Account[]; items?: Account[] }>('GET', '/api/v1/accounts').then(
        (p) => p.items ?? p.accounts ?? [],
      ),
    [],
  );
  const [name, setName] = useInputState('');
  const [ownerEmail, setOwnerEmail] = useInputState('');
  const [created, setCreated] = useState<{
    id: string;
    name: string;
    apiKey: string;
    invitation?: { token: string; email: string };
  }>();
  const { error, busy, run } = useAction();
  const caps = useCapabilities();
  const invites = caps?.has('POST', '/api/v1/invitations') ?? false;

  const create = () =>
    run(async () => {
      setCreated(
        await request('POST', '/api/v1/accounts', {
          name: name.trim(),
          ...(invites && ownerEmail.trim() !== '' ? { owner: { email: ownerEmail.trim() } } : {}),
        }),
      );
      setName('');
      setOwnerEmail('');
      accounts.reload();
    });

  return (
    <OperatorOnly>
      <Stack>
        <PageTitle>Accounts</PageTitle>
        <Card withBorder>
          <ActionForm onSubmit={create}>
            <Group align="flex-end" wrap="wrap">
              <TextInput label="New account name" required value={name} onChange={setName} />
              {invites ? (
                <TextInput
                  label="Owner's email (optional)"
                  type="email"
                  value={ownerEmail}
                  onChange={setOwnerEmail}
                />
              ) : null}
              <Button type="submit" loading={busy}>
                Create account
              </Button>
            </Group>
          </ActionForm>
          <ErrorNotice error={error} title="The account was not created" />
          {created === undefined ? null : (
            <Stack mt="md" gap="xs">
              <Text size="sm">
                Account {created.name} created. Its API key is shown once: hand it to the owner.
              </Text>
              <CopyField label="Account API key" value={created.apiKey} />
              {created.invitation === undefined ? null : (
                <CopyField
                  label={`Invitation link for ${created.invitation.email}`}
                  value={`${location.origin}/#/invite/${created.invitation.token}`}
                />
              )}
            </Stack>
          )}
        </Card>
        <ErrorNotice error={accounts.error} title="Could not list the accounts" />
        <DataTable
          label="Accounts"
          minWidth={480}
          rows={accounts.data}
          rowKey={(a) => a.id}
          columns={[
            { header: 'Name', cell: (a) => a.name },
            { header: 'ID', cell: (a) => a.id, mono: true },
            { header: 'Created', cell: (a) => formatTime(a.createdAt) },
          ]}
          empty={<EmptyState title="No accounts yet">Create the first owner account above.</EmptyState>}
        />
      </Stack>
    </OperatorOnly>
  );
}

export function OperatorImportPage() {
  const [joinEui, setJoinEui] = useInputState('');
  const [file, setFile] = useState<{ name: string; text: string }>();
  const [result, setResult] = useState<{ imported: number; batchId: string }>();
  const { error, busy, run } = useAction();
  const [kekLabel, setKekLabel] = useInputState('');
  const [kekKey, setKekKey] = useInputState('');
  const [kekDone, setKekDone] = useState<string>();
  const kek = useAction();
  const isJson = file?.name.toLowerCase().endsWith('.json') ?? false;

  const importBatch = async () => {
    if (file === undefined) return;
    setResult(undefined);
    await run(async () => {
      let body: unknown;
      if (isJson) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(file.text) as Record<string, unknown>;
        } catch (err) {
          throw new Error(`${file.name} is not valid JSON: ${(err as Error).message}`);
        }
        body = Array.isArray(parsed)
          ? { joinEui: joinEui.trim().toUpperCase(), devices: parsed }
          : { ...parsed, ...(joinEui.trim() === '' ? {} : { joinEui: joinEui.trim().toUpperCase() }) };
      } else body = { joinEui: joinEui.trim().toUpperCase(), csv: file.text };
      setResult(await request('POST', '/api/v1/device-batches', body));
    });
  };
  const registerKek = () =>
    kek.run(async () => {
      await request('POST', '/api/v1/transport-keks', { label: kekLabel.trim(), key: kekKey.trim() });
      setKekDone(kekLabel.trim());
      setKekKey('');
    });

  return (
    <OperatorOnly>
      <Stack>
        <PageTitle>Device batches</PageTitle>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Import a manufacturer batch
          </Title>
          <Text size="sm" mb="sm">
            CSV with the header <Code>devEui,joinEui,macVersion,nwkKey,appKey,claimCode</Code>, or JSON{' '}
            <Code>{'{joinEui, devices:[…]}'}</Code>. Keys are hex, or wrapped under a transport KEK registered
            below. All or nothing: a bad row names itself and nothing is imported.
          </Text>
          <Stack maw={520}>
            <TextInput
              label="JoinEUI"
              description="16 hex digits; for a JSON file that names its own, leave empty"
              value={joinEui}
              onChange={setJoinEui}
              styles={mono}
            />
            <Group>
              <FileButton
                accept=".csv,.json,text/csv,application/json"
                onChange={(f) => void f?.text().then((text) => setFile({ name: f.name, text }))}
              >
                {(props) => (
                  <Button variant="default" {...props}>
                    Choose a CSV or JSON file
                  </Button>
                )}
              </FileButton>
              {file === undefined ? null : <Text size="sm">{file.name}</Text>}
            </Group>
            <Group>
              <Button
                onClick={() => void importBatch()}
                loading={busy}
                disabled={file === undefined || (!isJson && joinEui.trim() === '')}
              >
                Import
              </Button>
            </Group>
            <ErrorNotice error={error} title="Nothing was imported" />
            {result === undefined ? null : (
              <Text size="sm" role="status">
                Imported {result.imported} devices (batch <Code>{result.batchId}</Code>).
              </Text>
            )}
          </Stack>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="xs">
            Transport KEKs
          </Title>
          <Text size="sm" mb="sm">
            A key shared with a manufacturer to wrap root keys for the trip (RFC 3394). Register it before
            importing a batch that uses it.
          </Text>
          <ActionForm onSubmit={registerKek}>
            <Group align="flex-end" wrap="wrap">
              <TextInput label="Label" required value={kekLabel} onChange={setKekLabel} />
              <PasswordInput label="Key (hex)" required value={kekKey} onChange={setKekKey} />
              <Button type="submit">Register KEK</Button>
            </Group>
          </ActionForm>
          <ErrorNotice error={kek.error} title="The KEK was not registered" />
          {kekDone === undefined ? null : (
            <Text size="sm" role="status" mt="sm">
              Transport KEK {kekDone} registered.
            </Text>
          )}
        </Card>
      </Stack>
    </OperatorOnly>
  );
}

type SystemHealth = NonNullable<Awaited<ReturnType<typeof loadSystemHealth>>>;

const loadSystemHealth = () => ok(api.GET('/api/v1/system/health'));

/** Badge colours with white text that keep the contrast axe asks for. */
const healthColor = (status: string) =>
  status === 'ok' ? 'teal.9' : status === 'degraded' ? 'dark.6' : 'red.9';

const componentLabels: Readonly<Record<string, string>> = {
  console: 'Console (management API)',
  claims: 'Claims service',
  billing: 'Billing service',
  store: 'Claims store',
  keys: 'Keys service (key custody)',
  bus: 'Event bus (keys outbox)',
};

export function OperatorHealthPage() {
  const caps = useCapabilities();
  const basic = useLoad(() => request<{ status: string }>('GET', '/api/v1/health'), []);
  const bi = useLoad(() => request<{ publicUrl: string }>('GET', '/api/v1/system/bi'), []);
  const detailed = caps?.has('GET', '/api/v1/system/health') ?? false;
  const health = useLoad(
    (): Promise<SystemHealth | undefined> => (detailed ? loadSystemHealth() : Promise.resolve(undefined)),
    [detailed],
  );
  return (
    <OperatorOnly>
      <Stack>
        <PageTitle
          actions={
            <Button
              variant="default"
              onClick={() => {
                basic.reload();
                health.reload();
              }}
            >
              Refresh
            </Button>
          }
        >
          System health
        </PageTitle>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Card withBorder>
            <Text fw={600}>Overall</Text>
            {health.data !== undefined ? (
              <Badge color={healthColor(health.data.status)}>{health.data.status}</Badge>
            ) : basic.data?.status === 'ok' ? (
              <Badge color="teal.9">ok</Badge>
            ) : (
              <Badge color="red.9">{basic.error === undefined ? '…' : 'unreachable'}</Badge>
            )}
          </Card>
          <Card withBorder>
            <Text fw={600}>Backend Interfaces public URL</Text>
            <Code>{bi.data?.publicUrl ?? '—'}</Code>
          </Card>
        </SimpleGrid>
        {health.error !== undefined && <ErrorNotice error={health.error} />}
        {detailed ? (
          <DataTable
            label="Components"
            minWidth={560}
            striped={false}
            rows={health.data?.components ?? []}
            rowKey={(c) => c.name}
            rowProps={(c) => ({ 'data-component': c.name })}
            columns={[
              { header: 'Component', cell: (c) => componentLabels[c.name] ?? c.name },
              { header: 'Status', cell: (c) => <Badge color={healthColor(c.status)}>{c.status}</Badge> },
              { header: 'Detail', cell: (c) => c.detail ?? '' },
              { header: 'Latency', cell: (c) => (c.latencyMs === undefined ? '—' : `${c.latencyMs} ms`) },
            ]}
          />
        ) : (
          <EmptyState title="Per-service health is not available on this Joinery">
            This server does not report the state of its services, store and event bus through the API; its
            metrics (Prometheus) and logs do.
          </EmptyState>
        )}
      </Stack>
    </OperatorOnly>
  );
}
