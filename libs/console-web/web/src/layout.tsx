// The shell: header (menu button at phone width, account switcher, who is logged in, log out) and the navigation.
import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Select, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { rolesOf, useAuth } from './auth';

interface NavItem {
  readonly to: string;
  readonly label: string;
}

export function Shell() {
  const { session, switchAccount, logout } = useAuth();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const roles = rolesOf(session);
  useEffect(close, [location.pathname, close]);

  const account: NavItem[] = roles.inAccount
    ? [
        { to: '/devices', label: 'Devices' },
        { to: '/claim', label: 'Claim devices' },
        { to: '/network-servers', label: 'Network servers' },
        { to: '/application-servers', label: 'Application servers' },
        { to: '/billing', label: 'Billing' },
        { to: '/audit', label: 'Audit log' },
        { to: '/team', label: 'Team' },
        { to: '/api-keys', label: 'API keys' },
      ]
    : [{ to: '/devices', label: 'Devices' }];
  const operator: NavItem[] = roles.operator
    ? [
        { to: '/operator/accounts', label: 'Accounts' },
        { to: '/operator/import', label: 'Device batches' },
        { to: '/billing', label: 'Billing (all accounts)' },
        { to: '/audit', label: 'Audit log (all accounts)' },
        { to: '/operator/health', label: 'System health' },
      ]
    : [];
  const who =
    session === null
      ? ''
      : session.kind === 'user'
        ? session.user.email
        : session.scope === 'admin'
          ? 'admin token'
          : 'account API key';
  const link = (item: NavItem) => (
    <NavLink
      key={`${item.to}${item.label}`}
      component={Link}
      to={item.to}
      label={item.label}
      variant="filled"
      active={location.pathname === item.to || location.pathname.startsWith(`${item.to}/`)}
    />
  );

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text fw={700} size="lg" component={Link} to="/" c="indigo.9" style={{ textDecoration: 'none' }}>
              Joinery
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {session?.kind === 'user' && session.accounts.length > 1 ? (
              <Select
                aria-label="Account"
                size="xs"
                w={170}
                data={session.accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.role})` }))}
                value={session.accountId}
                allowDeselect={false}
                onChange={(value) => {
                  if (value !== null) {
                    switchAccount(value);
                    void navigate('/devices');
                  }
                }}
              />
            ) : null}
            <Text size="sm" visibleFrom="xs" data-testid="who">
              {who}
            </Text>
            <Button size="xs" variant="default" onClick={() => void logout()}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <ScrollArea>
          {account.map(link)}
          {operator.length > 0 ? (
            <>
              <Text size="xs" fw={700} tt="uppercase" mt="md" mb={4} px="sm">
                Operator
              </Text>
              {operator.map(link)}
            </>
          ) : null}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main">
        {/* A page belongs to one account: switching accounts mounts it afresh, so it loads that account's data. */}
        <Outlet key={session?.accountId ?? 'no-account'} />
      </AppShell.Main>
    </AppShell>
  );
}
