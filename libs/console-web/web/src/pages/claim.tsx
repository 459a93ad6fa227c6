import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  FileButton,
  Group,
  Paper,
  Select,
  Stack,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, query, request } from '../api/client';
import { useCapabilities } from '../api/capabilities';
import { listPeers, type Device } from '../api/resources';
import { ActionForm } from '../components/action-form';
import { EmptyState, ErrorNotice, mono, PageTitle } from '../components/common';
import { useAction, useLoad } from '../components/hooks';
import { DataTable } from '../components/data-table';
import { parseClaimCsv, type ClaimRow } from '../lib/csv';
import { cameraAvailable, decodeQrFile, scanCamera } from '../lib/qr-image';
import { parseTr005 } from '../lib/tr005';

interface RowResult {
  row: number;
  devEui: string;
  status: 'claimed' | 'failed';
  error?: { code: string; message: string };
}

function NetworkServerSelect({
  value,
  onChange,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const peers = useLoad(() => listPeers('network-servers'), []);
  if (peers.data !== undefined && peers.data.length === 0)
    return (
      <EmptyState
        title="Register a network server first"
        action={
          <Button component={Link} to="/network-servers/new" variant="default">
            Register a network server
          </Button>
        }
      >
        A claimed device is bound to one of your network servers: only that one gets its keys.
      </EmptyState>
    );
  return (
    <Select
      label="Network server"
      description="Only this network server will be able to activate the device"
      required
      data={(peers.data ?? []).map((p) => ({ value: p.id, label: `${p.name} (NetID ${p.netId ?? '?'})` }))}
      value={value}
      onChange={onChange}
      error={peers.error === undefined ? undefined : 'Could not list your network servers'}
    />
  );
}

function SingleClaim() {
  const navigate = useNavigate();
  const [devEui, setDevEui] = useInputState('');
  const [claimCode, setClaimCode] = useInputState('');
  const [ns, setNs] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const submit = () =>
    run(async () => {
      const device = await request<Device>('POST', '/api/v1/claims', {
        devEui: devEui.trim().toUpperCase(),
        claimCode: claimCode.trim(),
        networkServerId: ns ?? '',
      });
      void navigate(`/devices/${device.devEui}`);
    });
  return (
    <ActionForm onSubmit={submit}>
      <Stack maw={480}>
        <TextInput
          label="DevEUI"
          description="16 hex digits, on the device's label"
          required
          value={devEui}
          onChange={setDevEui}
          styles={mono}
        />
        <TextInput
          label="Claim code"
          description="The PIN printed with the device"
          required
          value={claimCode}
          onChange={setClaimCode}
        />
        <NetworkServerSelect value={ns} onChange={setNs} />
        <Group>
          <Button type="submit" loading={busy} disabled={ns === null}>
            Claim
          </Button>
        </Group>
        <ErrorNotice error={error} title="The device was not claimed" />
      </Stack>
    </ActionForm>
  );
}

function QrClaim() {
  const caps = useCapabilities();
  const navigate = useNavigate();
  const video = useRef<HTMLVideoElement>(null);
  const [payload, setPayload] = useInputState('');
  const [ns, setNs] = useState<string | null>(null);
  const { error, setError, busy, run } = useAction();
  const [scanning, setScanning] = useState<AbortController>();
  const parsed = payload === '' ? undefined : parseTr005(payload);

  const fromFile = async (file: File | null) => {
    if (file === null) return;
    setError(undefined);
    const text = await decodeQrFile(file).catch(() => undefined);
    if (text === undefined)
      setError(new Error('No QR code found in that image: take a sharper, closer photo of the label.'));
    else setPayload(text);
  };
  const fromCamera = async () => {
    if (video.current === null) return;
    const controller = new AbortController();
    setScanning(controller);
    setError(undefined);
    try {
      const text = await scanCamera(video.current, controller.signal);
      if (text !== undefined) setPayload(text);
    } catch (err) {
      setError(
        new Error(
          `The camera could not be used (${(err as Error).message}): upload a photo of the QR code instead.`,
        ),
      );
    } finally {
      setScanning(undefined);
    }
  };
  const submit = async () => {
    if (parsed === undefined || 'error' in parsed || ns === null) return;
    await run(async () => {
      const device = caps?.has('POST', '/api/v1/claims/qr')
        ? await request<Device>('POST', '/api/v1/claims/qr', { qr: payload.trim(), networkServerId: ns })
        : await request<Device>('POST', '/api/v1/claims', {
            devEui: parsed.devEui,
            claimCode: parsed.ownerToken ?? '',
            networkServerId: ns,
          });
      void navigate(`/devices/${device.devEui}`);
    });
  };

  return (
    <Stack maw={560}>
      <Text size="sm">Scan the TR005 QR code on the device (LW:D0:…): with the camera, or from a photo.</Text>
      <Group>
        <FileButton onChange={(f) => void fromFile(f)} accept="image/*">
          {(props) => (
            <Button variant="default" {...props}>
              Upload a photo of the QR code
            </Button>
          )}
        </FileButton>
        {cameraAvailable() ? (
          scanning === undefined ? (
            <Button variant="default" onClick={() => void fromCamera()}>
              Scan with the camera
            </Button>
          ) : (
            <Button variant="default" onClick={() => scanning.abort()}>
              Stop the camera
            </Button>
          )
        ) : null}
      </Group>
      <video
        ref={video}
        muted
        playsInline
        hidden={scanning === undefined}
        style={{ maxWidth: '100%' }}
        aria-label="Camera preview"
      />
      <TextInput
        label="QR code contents"
        description="Filled in by the scan; you can also paste it"
        value={payload}
        onChange={setPayload}
        styles={mono}
      />
      {parsed !== undefined && 'error' in parsed ? (
        <Alert color="red.9" variant="outline">
          {parsed.error}
        </Alert>
      ) : null}
      {parsed !== undefined && !('error' in parsed) ? (
        <Paper withBorder p="sm">
          <Text size="sm">
            DevEUI <Code>{parsed.devEui}</Code> · JoinEUI <Code>{parsed.joinEui}</Code>
            {parsed.ownerToken === undefined ? ' · no claim code in this QR code' : ' · claim code included'}
          </Text>
        </Paper>
      ) : null}
      <NetworkServerSelect value={ns} onChange={setNs} />
      <Group>
        <Button
          onClick={() => void submit()}
          loading={busy}
          disabled={parsed === undefined || 'error' in parsed || ns === null}
        >
          Claim from the QR code
        </Button>
      </Group>
      <ErrorNotice error={error} title="The device was not claimed" />
    </Stack>
  );
}

function BulkClaim() {
  const caps = useCapabilities();
  const [rows, setRows] = useState<ClaimRow[]>();
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState('');
  const [ns, setNs] = useState<string | null>(null);
  const { error, setError, busy, run } = useAction();
  const [results, setResults] = useState<RowResult[]>();
  const [progress, setProgress] = useState<string>();

  const load = async (file: File | null) => {
    if (file === null) return;
    setResults(undefined);
    setError(undefined);
    const text = await file.text();
    const parsed = parseClaimCsv(text);
    setFileName(file.name);
    if ('error' in parsed) {
      setRows(undefined);
      setError(new Error(`${file.name}: ${parsed.error}`));
      return;
    }
    setCsv(text);
    setRows(parsed.rows);
  };

  const submit = async () => {
    if (rows === undefined || ns === null) return;
    await run(async () => {
      if (caps?.has('POST', '/api/v1/claims/bulk')) {
        const answer = await request<{ results: RowResult[] }>(
          'POST',
          `/api/v1/claims/bulk${query({ networkServerId: ns })}`,
          csv,
          'text/csv',
        );
        setResults(answer.results);
      } else {
        // An older server without bulk claims: one claim per row, each result kept.
        const out: RowResult[] = [];
        for (const r of rows) {
          setProgress(`${out.length} of ${rows.length}`);
          try {
            await request('POST', '/api/v1/claims', {
              devEui: r.devEui,
              claimCode: r.claimCode,
              networkServerId: r.networkServerId ?? ns,
            });
            out.push({ row: r.row, devEui: r.devEui, status: 'claimed' });
          } catch (err) {
            const e = err instanceof ApiError ? err : new ApiError(0, 'unexpected', String(err));
            out.push({
              row: r.row,
              devEui: r.devEui,
              status: 'failed',
              error: { code: e.code, message: e.message },
            });
          }
        }
        setResults(out);
      }
    });
    setProgress(undefined);
  };
  const claimed = results?.filter((r) => r.status === 'claimed').length ?? 0;

  return (
    <Stack>
      <Text size="sm">
        A CSV file with the header <Code>devEui,claimCode</Code> (optional columns{' '}
        <Code>networkServerId</Code>, <Code>applicationServerId</Code>), one device per line. Each row is
        claimed on its own.
      </Text>
      <Group>
        <FileButton onChange={(f) => void load(f)} accept=".csv,text/csv">
          {(props) => (
            <Button variant="default" {...props}>
              Choose a CSV file
            </Button>
          )}
        </FileButton>
        {rows === undefined ? null : (
          <Text size="sm" data-testid="csv-summary">
            {fileName}: {rows.length} devices
          </Text>
        )}
      </Group>
      <NetworkServerSelect value={ns} onChange={setNs} />
      <Group>
        <Button
          onClick={() => void submit()}
          loading={busy}
          disabled={rows === undefined || rows.length === 0 || ns === null}
        >
          Claim {rows?.length ?? 0} devices
        </Button>
        {progress === undefined ? null : <Text size="sm">{progress}</Text>}
      </Group>
      <ErrorNotice error={error} title="The file was not claimed" />
      {results === undefined ? null : (
        <>
          <Text fw={600} data-testid="bulk-summary" role="status">
            {claimed} claimed, {results.length - claimed} failed
          </Text>
          <DataTable
            label="Claim results"
            minWidth={480}
            rows={results}
            rowKey={(r) => r.row}
            columns={[
              { header: 'Row', cell: (r) => r.row },
              {
                header: 'DevEUI',
                mono: true,
                cell: (r) =>
                  r.status === 'claimed' ? (
                    <Anchor component={Link} to={`/devices/${r.devEui}`}>
                      {r.devEui}
                    </Anchor>
                  ) : (
                    r.devEui
                  ),
              },
              {
                header: 'Result',
                cell: (r) =>
                  r.status === 'claimed' ? (
                    <Badge color="teal.9">claimed</Badge>
                  ) : (
                    <Text size="sm">
                      <Badge color="red.9" mr="xs">
                        {r.error?.code ?? 'failed'}
                      </Badge>
                      {r.error?.message}
                    </Text>
                  ),
              },
            ]}
          />
        </>
      )}
    </Stack>
  );
}

export function ClaimPage() {
  return (
    <Stack>
      <PageTitle>Claim devices</PageTitle>
      <Tabs defaultValue="one" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="one">One device</Tabs.Tab>
          <Tabs.Tab value="qr">QR code</Tabs.Tab>
          <Tabs.Tab value="csv">CSV file</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="one" pt="md">
          <SingleClaim />
        </Tabs.Panel>
        <Tabs.Panel value="qr" pt="md">
          <QrClaim />
        </Tabs.Panel>
        <Tabs.Panel value="csv" pt="md">
          <BulkClaim />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
