import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { useRoles } from '../auth';
import { ActionForm } from '../components/action-form';
import { CopyField, EmptyState, ErrorNotice, NotOffered, PageTitle } from '../components/common';
import { useAction, useLoad } from '../components/hooks';
import { actionsHeader, DataTable } from '../components/data-table';
import { formatTime } from '../lib/format';

interface Member {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  joinedAt: string;
}
interface Invitation {
  id: string;
  email: string;
  role: string;
  token?: string;
  expiresAt: string;
}
interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

/** The items of a list, or none when this server does not offer it. */
const itemsOf = <T,>(offered: boolean, path: string): Promise<T[]> =>
  offered ? request<{ items: T[] }>('GET', path).then((p) => p.items) : Promise.resolve([]);

/** Whether this server offers `GET path`; undefined until its capabilities are read. */
function useOffered(path: string): boolean | undefined {
  const caps = useCapabilities();
  return caps === undefined ? undefined : caps.has('GET', path);
}

/** A row's button that DELETEs `path`, then reloads the list (`danger`: outlined in red). */
function DeleteButton({
  path,
  action,
  reload,
  danger = false,
  children,
}: {
  path: string;
  action: ReturnType<typeof useAction>;
  reload: () => void;
  danger?: boolean;
  children: ReactNode;
}) {
  return (
    <Button
      size="xs"
      variant={danger ? 'outline' : 'default'}
      {...(danger ? { color: 'red.9' } : {})}
      onClick={() => void action.run(() => request('DELETE', path)).then(reload)}
    >
      {children}
    </Button>
  );
}

export function TeamPage() {
  const roles = useRoles();
  const offered = useOffered('/api/v1/members');
  const members = useLoad(() => itemsOf<Member>(offered === true, '/api/v1/members'), [offered]);
  const invitations = useLoad(() => itemsOf<Invitation>(offered === true, '/api/v1/invitations'), [offered]);
  const [email, setEmail] = useInputState('');
  const [role, setRole] = useState<string | null>('member');
  const [invited, setInvited] = useState<Invitation>();
  const action = useAction();
  if (offered === false) return <NotOffered what="Team management" />;

  const invite = () =>
    action.run(async () => {
      setInvited(await request<Invitation>('POST', '/api/v1/invitations', { email: email.trim(), role }));
      setEmail('');
      invitations.reload();
    });

  return (
    <Stack>
      <PageTitle>Team</PageTitle>
      <ErrorNotice error={action.error ?? members.error} />
      <DataTable
        label="Members"
        minWidth={560}
        rows={members.data ?? []}
        rowKey={(m) => m.id}
        columns={[
          { header: 'Name', cell: (m) => m.name },
          { header: 'Email', cell: (m) => m.email },
          {
            header: 'Role',
            cell: (m) =>
              roles.canChange ? (
                <Select
                  aria-label={`Role of ${m.email}`}
                  size="xs"
                  w={120}
                  data={['admin', 'member']}
                  value={m.role}
                  allowDeselect={false}
                  onChange={(r) =>
                    void action
                      .run(() => request('PUT', `/api/v1/members/${m.id}`, { role: r }))
                      .then(members.reload)
                  }
                />
              ) : (
                m.role
              ),
          },
          { header: 'Joined', cell: (m) => formatTime(m.joinedAt) },
          {
            header: actionsHeader,
            cell: (m) =>
              roles.canChange ? (
                <DeleteButton path={`/api/v1/members/${m.id}`} action={action} reload={members.reload} danger>
                  Remove
                </DeleteButton>
              ) : null,
          },
        ]}
      />
      {roles.canChange ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Invite someone
          </Title>
          <ActionForm onSubmit={invite}>
            <Group align="flex-end" wrap="wrap">
              <TextInput label="Email" type="email" required value={email} onChange={setEmail} />
              <Select
                label="Role"
                data={[
                  { value: 'member', label: 'member (read-only)' },
                  { value: 'admin', label: 'admin' },
                ]}
                value={role}
                onChange={setRole}
                allowDeselect={false}
              />
              <Button type="submit" loading={action.busy}>
                Invite
              </Button>
            </Group>
          </ActionForm>
          {invited?.token === undefined ? null : (
            <Stack mt="md" gap="xs">
              <Text size="sm">
                Send this link to {invited.email} (shown once; it expires {formatTime(invited.expiresAt)}):
              </Text>
              <CopyField label="Invitation link" value={`${location.origin}/#/invite/${invited.token}`} />
            </Stack>
          )}
        </Card>
      ) : null}
      <Title order={2} size="h4">
        Open invitations
      </Title>
      {(invitations.data ?? []).length === 0 ? (
        <Text size="sm">None.</Text>
      ) : (
        <Table aria-label="Open invitations">
          <Table.Tbody>
            {(invitations.data ?? []).map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>{i.email}</Table.Td>
                <Table.Td>{i.role}</Table.Td>
                <Table.Td>expires {formatTime(i.expiresAt)}</Table.Td>
                <Table.Td>
                  {roles.canChange ? (
                    <DeleteButton
                      path={`/api/v1/invitations/${i.id}`}
                      action={action}
                      reload={invitations.reload}
                    >
                      Withdraw
                    </DeleteButton>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

const scopes = [
  { value: 'read', label: 'read: everything in the account, read-only' },
  { value: 'devices', label: 'devices: claims, devices, roaming' },
  { value: 'network-servers', label: 'network-servers: NS and AS management' },
  { value: 'billing', label: 'billing: charges and invoices' },
  { value: 'admin', label: 'admin: everything' },
];

export function ApiKeysPage() {
  const roles = useRoles();
  const offered = useOffered('/api/v1/api-keys');
  const keys = useLoad(() => itemsOf<ApiKey>(offered === true, '/api/v1/api-keys'), [offered]);
  const [name, setName] = useInputState('');
  const [chosen, setChosen] = useState<string[]>(['read']);
  const [expires, setExpires] = useInputState('');
  const [created, setCreated] = useState<ApiKey>();
  const action = useAction();
  if (offered === false) return <NotOffered what="API key management" />;

  const create = () =>
    action.run(async () => {
      setCreated(
        await request<ApiKey>('POST', '/api/v1/api-keys', {
          name: name.trim(),
          scopes: chosen,
          ...(expires === '' ? {} : { expiresAt: new Date(expires).toISOString() }),
        }),
      );
      setName('');
      keys.reload();
    });

  return (
    <Stack>
      <PageTitle>API keys</PageTitle>
      <Text size="sm">
        For scripts and the CLI (`export JOINERY_TOKEN=…`). A key acts in this account, within its scopes.
      </Text>
      <ErrorNotice error={action.error ?? keys.error} />
      {roles.canChange ? (
        <Card withBorder>
          <ActionForm onSubmit={create}>
            <Stack maw={520}>
              <TextInput label="Name" required value={name} onChange={setName} />
              <Checkbox.Group label="Scopes" value={chosen} onChange={setChosen}>
                <Stack gap={4} mt={4}>
                  {scopes.map((s) => (
                    <Checkbox key={s.value} value={s.value} label={s.label} />
                  ))}
                </Stack>
              </Checkbox.Group>
              <TextInput label="Expires (optional)" type="date" value={expires} onChange={setExpires} />
              <Group>
                <Button type="submit" loading={action.busy} disabled={chosen.length === 0}>
                  Create key
                </Button>
              </Group>
            </Stack>
          </ActionForm>
          {created?.key === undefined ? null : (
            <Stack mt="md" gap="xs">
              <Text size="sm">Copy the key now: it is shown once.</Text>
              <CopyField label="API key" value={created.key} />
            </Stack>
          )}
        </Card>
      ) : null}
      <DataTable
        label="API keys"
        minWidth={640}
        rows={keys.data}
        rowKey={(k) => k.id}
        columns={[
          { header: 'Name', cell: (k) => k.name },
          { header: 'Scopes', cell: (k) => k.scopes.join(', ') },
          { header: 'Created', cell: (k) => formatTime(k.createdAt) },
          { header: 'Last used', cell: (k) => formatTime(k.lastUsedAt) },
          { header: 'Expires', cell: (k) => formatTime(k.expiresAt) },
          {
            header: actionsHeader,
            cell: (k) =>
              k.revokedAt ? (
                <Badge color="red.9">revoked</Badge>
              ) : roles.canChange ? (
                <DeleteButton path={`/api/v1/api-keys/${k.id}`} action={action} reload={keys.reload} danger>
                  Revoke
                </DeleteButton>
              ) : null,
          },
        ]}
        empty={<EmptyState title="No API keys yet" />}
      />
    </Stack>
  );
}
