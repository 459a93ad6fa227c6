// Small pieces every page uses: an error that says what to do next, an empty state, a copyable secret, a page
// title. Loading a resource and running an action are in hooks.ts, the lists in data-table.tsx.
import { Alert, Button, Code, CopyButton, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { hintFor } from '../lib/hints';

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  const api = error instanceof ApiError ? error : undefined;
  const hint = api === undefined ? undefined : hintFor(api.code);
  return (
    <Alert color="red.9" variant="outline" title={title ?? 'That did not work'} role="alert">
      <Stack gap={4}>
        <Text size="sm">
          {api === undefined ? String((error as Error).message ?? error) : api.message || api.code}
          {api === undefined ? null : (
            <>
              {' '}
              <Code>{api.code}</Code>
            </>
          )}
        </Text>
        {api?.retryAfterSeconds === undefined ? null : (
          <Text size="sm">Try again in {api.retryAfterSeconds} s.</Text>
        )}
        {hint === undefined ? null : <Text size="sm">{hint}</Text>}
      </Stack>
    </Alert>
  );
}

export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Paper withBorder p="lg" radius="md">
      <Stack gap="xs" align="flex-start">
        <Text fw={600}>{title}</Text>
        {children === undefined ? null : <Text size="sm">{children}</Text>}
        {action}
      </Stack>
    </Paper>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <Group justify="space-between" mb="md" wrap="wrap">
      <Title order={1} size="h2">
        {children}
      </Title>
      {actions}
    </Group>
  );
}

/** A value shown in full, with a copy button (secrets shown once). */
export function CopyField({
  label,
  value,
  multiline,
}: {
  label: string;
  value: string;
  multiline?: boolean;
}) {
  return (
    <Stack gap={2}>
      <Group gap="xs" justify="space-between" wrap="nowrap">
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : `Copy ${label}`}>
              <Button size="compact-xs" variant="default" onClick={copy} aria-label={`Copy ${label}`}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      <Code
        block={multiline === true}
        // A long block scrolls sideways: it takes the focus so that the keyboard can scroll it.
        {...(multiline === true ? { tabIndex: 0, 'aria-label': label } : {})}
        style={{ wordBreak: 'break-all', whiteSpace: multiline ? 'pre' : 'normal' }}
      >
        {value}
      </Code>
    </Stack>
  );
}

export function NotOffered({ what }: { what: string }) {
  return (
    <EmptyState title={`${what} is not available on this Joinery`}>
      This server does not offer it yet (its API has no such call): update Joinery, or ask the operator.
    </EmptyState>
  );
}

/** Monospace input text (DevEUIs, NetIDs, QR payloads), the label in the normal font. */
export const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };
