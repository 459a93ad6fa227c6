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
import { useState, type FormEvent, type ReactNode } from 'react';
import { request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { rolesOf, useAuth } from '../auth';
import {
  CopyField,
  EmptyState,
  ErrorNotice,
  formatTime,
  NotOffered,
  PageTitle,
  useAction,
  useLoad,
  TableScroll,
} from '../components/common';

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
  const caps = useCapabilities();
  const { session } = useAuth();
  const roles = rolesOf(session);
  const offered = caps?.has('GET', '/api/v1/members') ?? false;
  const members = useLoad(() => itemsOf<Member>(offered, '/api/v1/members'), [offered]);
  const invitations = useLoad(() => itemsOf<Invitation>(offered, '/api/v1/invitations'), [offered]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string | null>('member');
  const [invited, setInvited] = useState<Invitation>();
  const action = useAction();
  if (caps !== undefined && !offered) return <NotOffered what="Team management" />;

  const invite = async (event: FormEvent) => {
    event.preventDefault();
    await action.run(async () => {
      setInvited(await request<Invitation>('POST', '/api/v1/invitations', { email: email.trim(), role }));
      setEmail('');
      invitations.reload();
    });
  };

  return (
    <Stack>
      <PageTitle>Team</PageTitle>
      <ErrorNotice error={action.error ?? members.error} />
      <TableScroll minWidth={560}>
        <Table striped aria-label="Members">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Joined</Table.Th>
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(members.data ?? []).map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>{m.name}</Table.Td>
                <Table.Td>{m.email}</Table.Td>
                <Table.Td>
                  {roles.canChange ? (
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
                  )}
                </Table.Td>
                <Table.Td>{formatTime(m.joinedAt)}</Table.Td>
                <Table.Td>
                  {roles.canChange ? (
                    <DeleteButton
                      path={`/api/v1/members/${m.id}`}
                      action={action}
                      reload={members.reload}
                      danger
                    >
                      Remove
                    </DeleteButton>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </TableScroll>
      {roles.canChange ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Invite someone
          </Title>
          <form onSubmit={(e) => void invite(e)}>
            <Group align="flex-end" wrap="wrap">
              <TextInput
                label="Email"
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
              />
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
          </form>
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
  const caps = useCapabilities();
  const { session } = useAuth();
  const roles = rolesOf(session);
  const offered = caps?.has('GET', '/api/v1/api-keys') ?? false;
  const keys = useLoad(() => itemsOf<ApiKey>(offered, '/api/v1/api-keys'), [offered]);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>(['read']);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<ApiKey>();
  const action = useAction();
  if (caps !== undefined && !offered) return <NotOffered what="API key management" />;

  const create = async (event: FormEvent) => {
    event.preventDefault();
    await action.run(async () => {
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
  };

  return (
    <Stack>
      <PageTitle>API keys</PageTitle>
      <Text size="sm">
        For scripts and the CLI (`export JOINERY_TOKEN=…`). A key acts in this account, within its scopes.
      </Text>
      <ErrorNotice error={action.error ?? keys.error} />
      {roles.canChange ? (
        <Card withBorder>
          <form onSubmit={(e) => void create(e)}>
            <Stack maw={520}>
              <TextInput
                label="Name"
                required
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
              />
              <Checkbox.Group label="Scopes" value={chosen} onChange={setChosen}>
                <Stack gap={4} mt={4}>
                  {scopes.map((s) => (
                    <Checkbox key={s.value} value={s.value} label={s.label} />
                  ))}
                </Stack>
              </Checkbox.Group>
              <TextInput
                label="Expires (optional)"
                type="date"
                value={expires}
                onChange={(e) => setExpires(e.currentTarget.value)}
              />
              <Group>
                <Button type="submit" loading={action.busy} disabled={chosen.length === 0}>
                  Create key
                </Button>
              </Group>
            </Stack>
          </form>
          {created?.key === undefined ? null : (
            <Stack mt="md" gap="xs">
              <Text size="sm">Copy the key now: it is shown once.</Text>
              <CopyField label="API key" value={created.key} />
            </Stack>
          )}
        </Card>
      ) : null}
      {keys.data !== undefined && keys.data.length === 0 ? <EmptyState title="No API keys yet" /> : null}
      {(keys.data ?? []).length > 0 ? (
        <TableScroll minWidth={640}>
          <Table striped aria-label="API keys">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(keys.data ?? []).map((k) => (
                <Table.Tr key={k.id}>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td>{k.scopes.join(', ')}</Table.Td>
                  <Table.Td>{formatTime(k.createdAt)}</Table.Td>
                  <Table.Td>{formatTime(k.lastUsedAt)}</Table.Td>
                  <Table.Td>{formatTime(k.expiresAt)}</Table.Td>
                  <Table.Td>
                    {k.revokedAt ? (
                      <Badge color="red.9">revoked</Badge>
                    ) : roles.canChange ? (
                      <DeleteButton
                        path={`/api/v1/api-keys/${k.id}`}
                        action={action}
                        reload={keys.reload}
                        danger
                      >
                        Revoke
                      </DeleteButton>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      ) : null}
    </Stack>
  );
}
