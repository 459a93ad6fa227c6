import {
  Anchor,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useAuth } from '../auth';
import { ActionForm } from '../components/action-form';
import { ErrorNotice } from '../components/common';
import { useAction } from '../components/hooks';

/** One way to log in: its fields, then its button. */
function LoginForm({
  onSubmit,
  busy,
  button,
  children,
}: {
  onSubmit: () => Promise<unknown>;
  busy: boolean;
  button: string;
  children: ReactNode;
}) {
  return (
    <ActionForm onSubmit={onSubmit}>
      <Stack>
        {children}
        <Button type="submit" loading={busy}>
          {button}
        </Button>
      </Stack>
    </ActionForm>
  );
}

export function LoginPage() {
  const { loginWithPassword, loginWithToken } = useAuth();
  const { error, busy, run } = useAction();
  const [email, setEmail] = useInputState('');
  const [password, setPassword] = useInputState('');
  const [token, setToken] = useInputState('');

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <Stack>
          <Title order={1} size="h2">
            Joinery console
          </Title>
          <Text size="sm">The LoRaWAN Join Server that belongs to no network operator.</Text>
          <Tabs defaultValue="password">
            <Tabs.List grow>
              <Tabs.Tab value="password">Email and password</Tabs.Tab>
              <Tabs.Tab value="token">Token</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="password" pt="md">
              <LoginForm
                onSubmit={() => run(() => loginWithPassword(email, password))}
                busy={busy}
                button="Log in"
              >
                <TextInput
                  label="Email"
                  type="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={setEmail}
                />
                <PasswordInput
                  label="Password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={setPassword}
                />
              </LoginForm>
            </Tabs.Panel>
            <Tabs.Panel value="token" pt="md">
              <LoginForm onSubmit={() => run(() => loginWithToken(token))} busy={busy} button="Use token">
                <PasswordInput
                  label="Admin token or API key"
                  description="The admin token is in ./data/admin-token on the server; an account's API key was shown when the account was created."
                  required
                  value={token}
                  onChange={setToken}
                />
              </LoginForm>
            </Tabs.Panel>
          </Tabs>
          <ErrorNotice error={error} title="Could not log in" />
          <Text size="sm">
            API reference: <Anchor href="/api/v1/openapi.json">OpenAPI document</Anchor>
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
