// Small pieces every page uses: loading a resource, an error that says what to do next, an empty state, a
// copyable secret, a page title.
import { Alert, Button, Code, CopyButton, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { hintFor } from '../lib/hints';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` now and whenever `deps` change or `reload()` is called; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

/**
 * A form's or button's action: `busy` while it runs, its error kept for an ErrorNotice (cleared when it runs again).
 * `run` resolves true when the action succeeded, false when it threw; it never throws itself.
 */
export function useAction() {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}

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

export const formatTime = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? '—' : new Date(iso).toLocaleString();

export const formatMoney = (minor: number, currency: string): string =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);

/** Monospace input text (DevEUIs, NetIDs, QR payloads), the label in the normal font. */
export const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/**
 * A table that scrolls sideways at phone width; the scrolling region takes the keyboard focus so that it can be
 * scrolled without a pointer.
 */
export function TableScroll({ minWidth, children }: { minWidth: number; children: ReactNode }) {
  return (
    <div role="region" aria-label="Table, scrolls sideways" tabIndex={0} style={{ overflowX: 'auto' }}>
      <div style={{ minWidth }}>{children}</div>
    </div>
  );
}
