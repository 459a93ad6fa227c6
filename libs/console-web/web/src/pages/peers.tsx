import {
  Alert,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Stepper,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { useInputState } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { download, query, request } from '../api/client';
import { loadCapabilities, useCapabilities } from '../api/capabilities';
import { listDevices, listPeers, type Peer } from '../api/resources';
import { useRoles } from '../auth';
import { CopyField, EmptyState, ErrorNotice, mono, NotOffered, PageTitle } from '../components/common';
import { useAction, useLoad } from '../components/hooks';
import { actionsHeader, DataTable } from '../components/data-table';
import { DialogActions } from '../components/dialog-actions';
import { formatTime } from '../lib/format';
import {
  chirpStackV3Snippet,
  chirpStackV4Snippet,
  theThingsStackSnippet,
  type SnippetInput,
} from '../lib/snippets';

type Kind = 'network-servers' | 'application-servers';

/** The show-once answer of a registration or a rotation. */
interface Registered {
  id: string;
  netId?: string;
  nsId?: string | null;
  asId?: string;
  kek: { label: string; key: string };
  bearerToken: string;
  credentials: { caCertPem: string; clientCertPem: string; clientKeyPem: string };
  /** null when claims kept no bundle (e.g. `too_many_bundles`: the warnings say why). */
  bundle?: { url: string; expiresAt: string } | null;
  overlapUntil?: string;
  warnings?: { code: string; message: string }[];
}

const noun = (kind: Kind) => (kind === 'network-servers' ? 'network server' : 'application server');

/** The network server products the registration knows (their defaults, e.g. how AppSKeys are delivered). */
const products = [
  { value: 'the-things-stack', label: 'The Things Stack' },
  { value: 'chirpstack', label: 'ChirpStack' },
  { value: 'other', label: 'Other' },
];

const appSKeyDeliveries = [
  { value: 'wrapped', label: 'Wrapped under the application server KEK' },
  { value: 'plaintext', label: 'Plaintext to the network server' },
  { value: 'session-key-id', label: 'Session key ID only (the AS fetches it)' },
];

/** The configuration snippets of a network server's credentials, a tab each. */
const snippetTabs: readonly {
  value: string;
  tab: string;
  label: string;
  text: (s: SnippetInput) => string;
}[] = [
  {
    value: 'tts',
    tab: 'The Things Stack',
    label: 'The Things Stack configuration',
    text: theThingsStackSnippet,
  },
  { value: 'cs4', tab: 'ChirpStack v4', label: 'ChirpStack v4 joinery.toml', text: chirpStackV4Snippet },
  {
    value: 'cs3',
    tab: 'ChirpStack v3',
    label: 'ChirpStack v3 join_server section',
    text: chirpStackV3Snippet,
  },
];

function Credentials({
  kind,
  name,
  answer,
  joinEuiPrefixes,
  biUrl,
}: {
  kind: Kind;
  name: string;
  answer: Registered;
  joinEuiPrefixes: string[];
  biUrl: string;
}) {
  const [error, setError] = useState<unknown>();
  const [downloaded, setDownloaded] = useState(false);
  const [dir, setDir] = useInputState('/etc/joinery');
  const prefixes = joinEuiPrefixes.length > 0 ? joinEuiPrefixes : ['<your JoinEUI>/64'];
  const snippet: SnippetInput = {
    netId: answer.netId ?? '',
    nsId: answer.nsId ?? null,
    kek: answer.kek,
    biUrl,
    joinEuiPrefixes: prefixes,
    dir,
  };
  // The bundle's configuration names the folder chosen below and the JoinEUI prefixes given in the first step.
  const bundleUrl = `${answer.bundle?.url ?? ''}${query({
    dir: dir.startsWith('/') ? dir.replace(/\/+$/, '') || '/' : undefined,
    joinEuiPrefixes: joinEuiPrefixes.length > 0 ? joinEuiPrefixes.join(',') : undefined,
  })}`;
  const safeName = name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'joinery';
  return (
    <Stack>
      <Alert color="gray.9" variant="outline" title="Shown once">
        Joinery keeps no copy of these secrets: copy them or download the bundle now. Lost them? Rotate the
        credentials.
      </Alert>
      {(answer.warnings ?? []).map((w) => (
        <Alert key={w.code} color="red.9" variant="outline" title={w.code}>
          {w.message}
        </Alert>
      ))}
      {answer.overlapUntil === undefined ? null : (
        <Text size="sm">The old credentials keep working until {formatTime(answer.overlapUntil)}.</Text>
      )}
      {answer.bundle === undefined || answer.bundle === null ? null : (
        <Group>
          <Button
            onClick={() =>
              void download(bundleUrl, `${safeName}-joinery-bundle.zip`).then(
                () => setDownloaded(true),
                (err: unknown) => setError(err),
              )
            }
            disabled={downloaded}
          >
            {downloaded ? 'Bundle downloaded' : 'Download the bundle (.zip)'}
          </Button>
          <Text size="sm">
            Certificates, keys, The Things Stack and ChirpStack configuration; once, within an hour.
          </Text>
        </Group>
      )}
      <ErrorNotice error={error} title="The bundle was not downloaded" />
      <CopyField label="KEK label" value={answer.kek.label} />
      <CopyField label="KEK" value={answer.kek.key} />
      <CopyField label="Bearer token" value={answer.bearerToken} />
      <CopyField label="CA certificate" value={answer.credentials.caCertPem} multiline />
      <CopyField label="Client certificate" value={answer.credentials.clientCertPem} multiline />
      <CopyField label="Client key" value={answer.credentials.clientKeyPem} multiline />
      {kind === 'network-servers' ? (
        <Card withBorder>
          <Stack>
            <Text fw={600}>Configuration to paste</Text>
            <TextInput
              label="Folder where the certificate files are on the network server's host"
              value={dir}
              onChange={setDir}
            />
            <Tabs defaultValue="tts">
              <Tabs.List>
                {snippetTabs.map((t) => (
                  <Tabs.Tab key={t.value} value={t.value}>
                    {t.tab}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              {snippetTabs.map((t) => (
                <Tabs.Panel key={t.value} value={t.value} pt="sm">
                  <CopyField label={t.label} value={t.text(snippet)} multiline />
                </Tabs.Panel>
              ))}
            </Tabs>
          </Stack>
        </Card>
      ) : null}
    </Stack>
  );
}

async function joinEuiPrefixesOfAccount(): Promise<string[]> {
  try {
    const page = await listDevices(await loadCapabilities(), {}, null, 100);
    return [...new Set(page.items.map((d) => `${d.joinEui}/64`))];
  } catch {
    return [];
  }
}

async function biPublicUrl(): Promise<string> {
  try {
    return (await request<{ publicUrl: string }>('GET', '/api/v1/system/bi')).publicUrl;
  } catch {
    return `https://${location.hostname}:7443/`;
  }
}

export function RegisterPeerPage({ kind }: { kind: Kind }) {
  const [step, setStep] = useState(0);
  const [name, setName] = useInputState('');
  const [netId, setNetId] = useInputState('');
  const [nsId, setNsId] = useInputState('');
  const [asId, setAsId] = useInputState('');
  const [product, setProduct] = useState<string | null>('the-things-stack');
  const [delivery, setDelivery] = useState<string | null>(null);
  const [lifetime, setLifetime] = useState<number | string>('');
  const [asyncUrl, setAsyncUrl] = useInputState('');
  const [prefixes, setPrefixes] = useInputState('');
  const [answer, setAnswer] = useState<Registered>();
  const { error, busy, run } = useAction();
  const bi = useLoad(biPublicUrl, []);
  useLoad(async () => {
    const found = await joinEuiPrefixesOfAccount();
    setPrefixes((p) => (p === '' ? found.join(', ') : p));
  }, []);

  const register = async () => {
    await run(async () => {
      const body =
        kind === 'network-servers'
          ? {
              name: name.trim(),
              netId: netId.trim().toUpperCase(),
              ...(nsId.trim() === '' ? {} : { nsId: nsId.trim() }),
              ...(product === null ? {} : { product }),
              ...(delivery === null ? {} : { appSKeyDelivery: delivery }),
              ...(lifetime === '' ? {} : { lifetime: Number(lifetime) }),
              ...(asyncUrl.trim() === '' ? {} : { asyncUrl: asyncUrl.trim() }),
            }
          : { name: name.trim(), asId: asId.trim() };
      setAnswer(await request<Registered>('POST', `/api/v1/${kind}`, body));
      setStep(kind === 'network-servers' ? 2 : 1);
    });
  };
  const prefixList = prefixes
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');

  const identity = (
    <Stack maw={520}>
      <TextInput
        label="Name"
        required
        value={name}
        onChange={setName}
        description="Yours to recognise it by"
      />
      {kind === 'network-servers' ? (
        <>
          <TextInput
            label="NetID"
            required
            description="6 hex digits, from the network server's configuration"
            value={netId}
            onChange={setNetId}
            styles={mono}
          />
          <TextInput
            label="NSID (optional)"
            description="Set it for Backend Interfaces 1.1 (The Things Stack sends one)"
            value={nsId}
            onChange={setNsId}
          />
          <Select label="Product" data={products} value={product} onChange={setProduct} />
          <TextInput
            label="JoinEUI prefixes of your devices"
            description="For the configuration snippets, e.g. 70B3D57ED0000000/64"
            value={prefixes}
            onChange={setPrefixes}
          />
        </>
      ) : (
        <TextInput
          label="AS-ID"
          required
          description="The application server's identifier (what it sends as SenderID)"
          value={asId}
          onChange={setAsId}
        />
      )}
    </Stack>
  );

  return (
    <Stack>
      <PageTitle>Register a {noun(kind)}</PageTitle>
      <Stepper
        active={step}
        onStepClick={(s) => answer === undefined && s < step && setStep(s)}
        allowNextStepsSelect={false}
      >
        <Stepper.Step label="Server" description="Who it is">
          {identity}
        </Stepper.Step>
        {kind === 'network-servers' ? (
          <Stepper.Step label="Keys" description="How keys are delivered">
            <Stack maw={520}>
              <Select
                label="AppSKey delivery"
                clearable
                description="Default: what suits the product (ChirpStack: plaintext, so it can decrypt payloads)"
                data={appSKeyDeliveries}
                value={delivery}
                onChange={setDelivery}
              />
              <NumberInput
                label="Session lifetime in seconds (optional)"
                min={0}
                value={lifetime}
                onChange={setLifetime}
              />
              <TextInput
                label="Asynchronous answer URL (optional)"
                description="Only if the network server wants answers POSTed back"
                value={asyncUrl}
                onChange={setAsyncUrl}
              />
            </Stack>
          </Stepper.Step>
        ) : null}
        <Stepper.Step label="Credentials" description="Shown once">
          {answer === undefined ? null : (
            <Credentials
              kind={kind}
              name={name}
              answer={answer}
              joinEuiPrefixes={prefixList}
              biUrl={bi.data ?? ''}
            />
          )}
        </Stepper.Step>
      </Stepper>
      <ErrorNotice error={error} title={`The ${noun(kind)} was not registered`} />
      <Group>
        {answer !== undefined ? (
          <Button component={Link} to={`/${kind}`} variant="default">
            Done: I have saved the credentials
          </Button>
        ) : kind === 'network-servers' && step === 0 ? (
          <Button onClick={() => setStep(1)} disabled={name.trim() === '' || netId.trim() === ''}>
            Next
          </Button>
        ) : (
          <>
            {step > 0 ? (
              <Button variant="default" onClick={() => setStep(step - 1)}>
                Back
              </Button>
            ) : null}
            <Button onClick={() => void register()} loading={busy} disabled={name.trim() === ''}>
              Register
            </Button>
          </>
        )}
      </Group>
    </Stack>
  );
}

export function PeersPage({ kind }: { kind: Kind }) {
  const caps = useCapabilities();
  const roles = useRoles();
  const peers = useLoad(() => listPeers(kind), [kind]);
  const bi = useLoad(biPublicUrl, []);
  const [dialog, setDialog] = useState<{ action: 'rotate' | 'revoke'; peer: Peer }>();
  const [rotated, setRotated] = useState<{ peer: Peer; answer: Registered }>();
  const { error, busy, run } = useAction();
  const [overlapHours, setOverlapHours] = useState<number | string>(24);
  const single =
    kind === 'network-servers' ? '/api/v1/network-servers/{id}' : '/api/v1/application-servers/{id}';
  const canRotate = caps?.has('POST', `${single}/rotations`) ?? false;
  const canRevoke = caps?.has('DELETE', single) ?? false;

  const act = async () => {
    if (dialog === undefined) return;
    await run(async () => {
      if (dialog.action === 'rotate') {
        const answer = await request<Registered>('POST', `/api/v1/${kind}/${dialog.peer.id}/rotations`, {
          overlapSeconds: Math.round(Number(overlapHours) * 3600),
        });
        setRotated({ peer: dialog.peer, answer });
      } else await request('DELETE', `/api/v1/${kind}/${dialog.peer.id}`);
      setDialog(undefined);
      peers.reload();
    });
  };

  if (!roles.inAccount) return <NotOffered what={`A ${noun(kind)} list outside an account`} />;
  return (
    <Stack>
      <PageTitle
        actions={
          roles.canChange ? (
            <Button component={Link} to={`/${kind}/new`}>
              Register a {noun(kind)}
            </Button>
          ) : null
        }
      >
        {kind === 'network-servers' ? 'Network servers' : 'Application servers'}
      </PageTitle>
      <ErrorNotice error={peers.error} title={`Could not list the ${noun(kind)}s`} />
      <DataTable
        label={kind === 'network-servers' ? 'Network servers' : 'Application servers'}
        minWidth={560}
        rows={peers.data}
        rowKey={(p) => p.id}
        columns={[
          { header: 'Name', cell: (p) => p.name },
          {
            header: kind === 'network-servers' ? 'NetID / NSID' : 'AS-ID',
            cell: (p) =>
              kind === 'network-servers' ? `${p.netId ?? ''}${p.nsId ? ` / ${p.nsId}` : ''}` : p.asId,
            mono: true,
          },
          { header: 'KEK label', cell: (p) => p.kekLabel, mono: true },
          {
            header: actionsHeader,
            cell: (p) =>
              roles.canChange ? (
                <Group gap="xs" wrap="nowrap">
                  {canRotate ? (
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => setDialog({ action: 'rotate', peer: p })}
                    >
                      Rotate
                    </Button>
                  ) : null}
                  {canRevoke ? (
                    <Button
                      size="xs"
                      color="red.9"
                      variant="outline"
                      onClick={() => setDialog({ action: 'revoke', peer: p })}
                    >
                      Revoke
                    </Button>
                  ) : null}
                </Group>
              ) : null,
          },
        ]}
        empty={
          <EmptyState
            title={`No ${noun(kind)} yet`}
            action={
              roles.canChange ? (
                <Button component={Link} to={`/${kind}/new`} variant="default">
                  Register your first {noun(kind)}
                </Button>
              ) : undefined
            }
          >
            {kind === 'network-servers'
              ? 'Register the network server (The Things Stack, ChirpStack, …) that will send the join-requests of your devices; you get its certificate, token and KEK, and configuration to paste.'
              : 'An application server fetches AppSKeys from Joinery (AppSKeyReq) when the network server does not deliver them.'}
          </EmptyState>
        }
      />
      <Modal
        opened={dialog !== undefined}
        onClose={() => setDialog(undefined)}
        title={
          dialog?.action === 'rotate'
            ? `Rotate the credentials of ${dialog.peer.name}`
            : `Revoke ${dialog?.peer.name ?? ''}?`
        }
      >
        <Stack>
          {dialog?.action === 'rotate' ? (
            <>
              <Text size="sm">
                New certificate, bearer token and KEK. The old ones keep working during the overlap, then are
                refused.
              </Text>
              <NumberInput
                label="Overlap in hours"
                min={0}
                max={168}
                value={overlapHours}
                onChange={setOverlapHours}
              />
            </>
          ) : (
            <Text size="sm">
              It is refused over the Backend Interfaces from now on; devices bound to it cannot join until you
              move them.
            </Text>
          )}
          <ErrorNotice error={error} />
          <DialogActions onCancel={() => setDialog(undefined)}>
            <Button
              color={dialog?.action === 'revoke' ? 'red.9' : 'indigo.8'}
              loading={busy}
              onClick={() => void act()}
            >
              {dialog?.action === 'rotate' ? 'Rotate' : 'Revoke'}
            </Button>
          </DialogActions>
        </Stack>
      </Modal>
      <Modal
        opened={rotated !== undefined}
        onClose={() => setRotated(undefined)}
        title={`New credentials of ${rotated?.peer.name ?? ''}`}
        size="xl"
      >
        {rotated === undefined ? null : (
          <Credentials
            kind={kind}
            name={rotated.peer.name}
            answer={{ ...rotated.answer, netId: rotated.peer.netId ?? '', nsId: rotated.peer.nsId ?? null }}
            joinEuiPrefixes={[]}
            biUrl={bi.data ?? ''}
          />
        )}
      </Modal>
    </Stack>
  );
}
