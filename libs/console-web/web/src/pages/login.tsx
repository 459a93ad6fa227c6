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
import { useState, type FormEvent } from 'react';
import { useAuth } from '../auth';
import { ErrorNotice, useAction } from '../components/common';

export function LoginPage() {
  const { loginWithPassword, loginWithToken } = useAuth();
  const { error, busy, run } = useAction();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');

  const submit = (action: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    await run(action);
  };

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
              <form onSubmit={(e) => void submit(() => loginWithPassword(email, password))(e)}>
                <Stack>
                  <TextInput
                    label="Email"
                    type="email"
                    autoComplete="username"
                    required
                    value={email}
                    onChange={(e) => setEmail(e.currentTarget.value)}
                  />
                  <PasswordInput
                    label="Password"
                    autoComplete="current-password"
                    required
                    value={password}
                    onChange={(e) => setPassword(e.currentTarget.value)}
                  />
                  <Button type="submit" loading={busy}>
                    Log in
                  </Button>
                </Stack>
              </form>
            </Tabs.Panel>
            <Tabs.Panel value="token" pt="md">
              <form onSubmit={(e) => void submit(() => loginWithToken(token))(e)}>
                <Stack>
                  <PasswordInput
                    label="Admin token or API key"
                    description="The admin token is in ./data/admin-token on the server; an account's API key was shown when the account was created."
                    required
                    value={token}
                    onChange={(e) => setToken(e.currentTarget.value)}
                  />
                  <Button type="submit" loading={busy}>
                    Use token
                  </Button>
                </Stack>
              </form>
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
