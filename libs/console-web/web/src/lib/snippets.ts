// Paste-ready configuration for The Things Stack and ChirpStack from a network server's registration: the same
// settings the CLI's bundle writes (services/joinery/src/cli/ns-bundle.ts), with the certificate files named as
// they are in the downloaded bundle, unpacked into `dir`. The lines themselves come from the bundle's library.
import {
  chirpStackV3Kek,
  chirpStackV3Servers,
  chirpStackV4Kek,
  chirpStackV4Servers,
  quoted,
  ttsInterop,
  ttsJoinServer,
  ttsJoinServers,
  ttsKeyVault,
  type JoinServerConnection,
} from '@joinery/product-config';

export interface SnippetInput {
  readonly netId: string;
  readonly nsId: string | null;
  readonly kek: { readonly label: string; readonly key: string };
  /** Where NSs reach the Backend Interfaces (`GET /api/v1/system/bi`). */
  readonly biUrl: string;
  /** JoinEUI prefixes routed to Joinery, `70B3D57ED0000000/64`. */
  readonly joinEuiPrefixes: readonly string[];
  /** The folder the bundle is unpacked into, on the NS's host. */
  readonly dir: string;
}

const path = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;

/** The bundle's PEM files, unpacked into `dir` on the NS's host. */
const connection = (s: SnippetInput): JoinServerConnection => ({
  server: s.biUrl,
  pemPaths: {
    ca: path(s.dir, 'ca.pem'),
    cert: path(s.dir, 'client.pem'),
    key: path(s.dir, 'client-key.pem'),
  },
});

/** ChirpStack v4: a drop-in `joinery.toml` for its configuration directory. */
export function chirpStackV4Snippet(s: SnippetInput): string {
  return [
    `# ChirpStack v4: save as joinery.toml beside chirpstack.toml (needs [network] net_id="${s.netId.toLowerCase()}").`,
    ...chirpStackV4Servers(s.joinEuiPrefixes, connection(s)),
    ...chirpStackV4Kek(s.kek),
  ].join('\n');
}

/** ChirpStack v3 Network Server: the `[join_server]` section (exact JoinEUIs only). */
export function chirpStackV3Snippet(s: SnippetInput): string {
  return [
    '# ChirpStack v3: replace the [join_server] section of chirpstack-network-server.toml.',
    ...chirpStackV3Servers(s.joinEuiPrefixes, connection(s)),
    ...chirpStackV3Kek(s.kek),
  ].join('\n');
}

/** The Things Stack: the `ns:` part of ttn-lw-stack.yml, the interop `config.yml` and `joinery/js.yml`. */
export function theThingsStackSnippet(s: SnippetInput): string {
  const interop = path(s.dir, 'the-things-stack/interop');
  return [
    '# ttn-lw-stack.yml (merge):',
    'ns:',
    `  net-id: ${quoted(s.netId.toUpperCase())}`,
    ...ttsInterop(interop, s.nsId),
    '',
    `# ${interop}/config.yml:`,
    ...ttsJoinServers('ns', s.joinEuiPrefixes),
    '',
    `# ${interop}/joinery/js.yml (ca.pem, client.pem and client-key.pem beside it):`,
    ...ttsJoinServer({
      url: new URL(s.biUrl),
      protocol: s.nsId === null ? 'BI1.0' : 'BI1.1',
      senderNsId: s.nsId,
      pathKey: 'join',
    }),
    '',
    '# key-vault.yml (merge):',
    ...ttsKeyVault(s.kek),
    '',
  ].join('\n');
}
