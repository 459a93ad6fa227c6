// Paste-ready configuration for The Things Stack and ChirpStack from a network server's registration: the same
// settings the CLI's bundle writes (services/joinery/src/cli/ns-bundle.ts), with the certificate files named as
// they are in the downloaded bundle, unpacked into `dir`.

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

const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const path = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;

/** ChirpStack v4: a drop-in `joinery.toml` for its configuration directory. */
export function chirpStackV4Snippet(s: SnippetInput): string {
  return [
    `# ChirpStack v4: save as joinery.toml beside chirpstack.toml (needs [network] net_id="${s.netId.toLowerCase()}").`,
    ...s.joinEuiPrefixes.flatMap((prefix) => [
      '',
      '[[join_server.servers]]',
      `join_eui_prefix=${quoted(prefix.toLowerCase())}`,
      `server=${quoted(s.biUrl)}`,
      `ca_cert=${quoted(path(s.dir, 'ca.pem'))}`,
      `tls_cert=${quoted(path(s.dir, 'client.pem'))}`,
      `tls_key=${quoted(path(s.dir, 'client-key.pem'))}`,
    ]),
    '',
    '[[keks]]',
    `label=${quoted(s.kek.label)}`,
    `kek=${quoted(s.kek.key.toLowerCase())}`,
    '',
  ].join('\n');
}

/** ChirpStack v3 Network Server: the `[join_server]` section (exact JoinEUIs only). */
export function chirpStackV3Snippet(s: SnippetInput): string {
  return [
    '# ChirpStack v3: replace the [join_server] section of chirpstack-network-server.toml.',
    '[join_server]',
    'resolve_join_eui=false',
    ...s.joinEuiPrefixes.flatMap((prefix) => {
      const [eui, bits] = prefix.split('/');
      if (bits !== '64' || eui === undefined)
        return ['', `# ${prefix} is not one JoinEUI: ChirpStack v3 routes exact JoinEUIs only.`];
      return [
        '',
        '  [[join_server.servers]]',
        `  join_eui=${quoted(eui.toLowerCase())}`,
        `  server=${quoted(s.biUrl)}`,
        `  ca_cert=${quoted(path(s.dir, 'ca.pem'))}`,
        `  tls_cert=${quoted(path(s.dir, 'client.pem'))}`,
        `  tls_key=${quoted(path(s.dir, 'client-key.pem'))}`,
      ];
    }),
    '',
    '  [join_server.kek]',
    '',
    '    [[join_server.kek.set]]',
    `    label=${quoted(s.kek.label)}`,
    `    kek=${quoted(s.kek.key.toLowerCase())}`,
    '',
  ].join('\n');
}

/** The Things Stack: the `ns:` part of ttn-lw-stack.yml, the interop `config.yml` and `joinery/js.yml`. */
export function theThingsStackSnippet(s: SnippetInput): string {
  const url = new URL(s.biUrl);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const interop = path(s.dir, 'the-things-stack/interop');
  return [
    '# ttn-lw-stack.yml (merge):',
    'ns:',
    `  net-id: ${quoted(s.netId.toUpperCase())}`,
    '  interop:',
    '    config-source: "directory"',
    `    directory: ${quoted(interop)}`,
    ...(s.nsId === null ? [] : [`    id: ${quoted(s.nsId)}`]),
    '',
    `# ${interop}/config.yml:`,
    'join-servers:',
    '  - file: "joinery/js.yml"',
    '    components: ["ns"]',
    `    join-euis: [${s.joinEuiPrefixes.map((p) => quoted(p.toUpperCase())).join(', ')}]`,
    '',
    `# ${interop}/joinery/js.yml (ca.pem, client.pem and client-key.pem beside it):`,
    `fqdn: ${quoted(url.hostname.replace(/^\[(.*)\]$/, '$1'))}`,
    `port: ${port}`,
    `protocol: ${quoted(s.nsId === null ? 'BI1.0' : 'BI1.1')}`,
    ...(s.nsId === null ? [] : [`sender-ns-id: ${quoted(s.nsId)}`]),
    ...(url.pathname === '/' ? [] : [`paths: { join: ${quoted(url.pathname.slice(1))} }`]),
    'tls:',
    '  source: "file"',
    '  root-ca: "ca.pem"',
    '  certificate: "client.pem"',
    '  key: "client-key.pem"',
    '',
    '# key-vault.yml (merge):',
    'key-vault:',
    '  provider: "static"',
    '  static:',
    `    ${quoted(s.kek.label)}: ${quoted(s.kek.key)}`,
    '',
  ].join('\n');
}
