import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useNavigate, useParams } from 'react-router';
import { request } from '../api/client';
import { useAuth } from '../auth';
import { ActionForm } from '../components/action-form';
import { ErrorNotice } from '../components/common';
import { useAction } from '../components/hooks';

/** `/#/invite/<token>`: accept an invitation (a new user picks a name and password; an existing one confirms hers). */
export function InvitePage() {
  const { token = '' } = useParams();
  const { adoptLogin } = useAuth();
  const navigate = useNavigate();
  const [name, setName] = useInputState('');
  const [password, setPassword] = useInputState('');
  const { error, busy, run } = useAction();

  const submit = () =>
    run(async () => {
      adoptLogin(
        await request('POST', '/api/v1/invitations/accept', {
          token,
          ...(name.trim() === '' ? {} : { name: name.trim() }),
          password,
        }),
      );
      void navigate('/devices');
    });

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <ActionForm onSubmit={submit}>
          <Stack>
            <Title order={1} size="h2">
              Join an account on Joinery
            </Title>
            <Text size="sm">
              You were invited. New here: choose your name and a password of at least 12 characters. Already
              have a login: enter your password to add the account to it.
            </Text>
            <TextInput label="Your name" autoComplete="name" value={name} onChange={setName} />
            <PasswordInput
              label="Password"
              autoComplete="new-password"
              required
              minLength={12}
              value={password}
              onChange={setPassword}
            />
            <Button type="submit" loading={busy}>
              Accept the invitation
            </Button>
            <ErrorNotice error={error} title="Could not accept the invitation" />
          </Stack>
        </ActionForm>
      </Paper>
    </Center>
  );
}
