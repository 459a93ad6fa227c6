// The settings ChirpStack (v4 and v3) and The Things Stack read to reach Joinery, as lines of their configuration
// files: the credentials bundle (@joinery/peer-bundle) and the console's paste-ready snippets are both built from
// these. No imports, so that the console's browser bundle can use it as well as Node.

/** TOML and YAML double-quoted strings: backslash and quote escaped (both formats read these the same way). */
export const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A KEK as registered: its label, and the key in hex. */
export interface KekSetting {
  readonly label: string;
  readonly key: string;
}

/** How the network server reaches the Join Server: the Backend Interfaces URL and where its PEM files are. */
export interface JoinServerConnection {
  readonly server: string;
  /** Paths of the CA certificate, the client certificate and its key on the network server's host. */
  readonly pemPaths: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Set when Joinery answers asynchronously (an asyncUrl is registered): how long ChirpStack waits (`5s`). */
  readonly asyncTimeout?: string | undefined;
}

const chirpStackTls = (c: JoinServerConnection, indent: string) => [
  `${indent}ca_cert=${quoted(c.pemPaths.ca)}`,
  `${indent}tls_cert=${quoted(c.pemPaths.cert)}`,
  `${indent}tls_key=${quoted(c.pemPaths.key)}`,
];

/**
 * ChirpStack v4: one `[[join_server.servers]]` table per JoinEUI prefix (`70B3D57ED0000000/64`), each after a blank
 * line; `bearerTokenFile` adds how to use the bearer token in that file instead of the client certificate.
 */
export function chirpStackV4Servers(
  joinEuiPrefixes: readonly string[],
  c: JoinServerConnection,
  bearerTokenFile?: string,
): string[] {
  return joinEuiPrefixes.flatMap((prefix) => [
    '',
    '[[join_server.servers]]',
    `join_eui_prefix=${quoted(prefix.toLowerCase())}`,
    `server=${quoted(c.server)}`,
    ...(c.asyncTimeout === undefined
      ? []
      : [
          '# Joinery answers asynchronously (an asyncUrl is registered): ChirpStack waits this long for the',
          '# answer on its [backend_interfaces] listener.',
          `async_timeout=${quoted(c.asyncTimeout)}`,
        ]),
    ...chirpStackTls(c, ''),
    ...(bearerTokenFile === undefined
      ? []
      : [
          '# Bearer token instead of the client certificate: remove tls_cert and tls_key and set',
          `# authorization_header="Bearer <the token in ${bearerTokenFile}>"`,
        ]),
  ]);
}

/** ChirpStack v4: the `[[keks]]` table, between blank lines (ChirpStack wants the key in lower case). */
export const chirpStackV4Kek = (kek: KekSetting): string[] => [
  '',
  '[[keks]]',
  `label=${quoted(kek.label)}`,
  `kek=${quoted(kek.key.toLowerCase())}`,
  '',
];

/** `70B3D57ED0000000/64` → `70B3D57ED0000000` when the prefix is one exact JoinEUI (ChirpStack v3 needs those). */
export const exactJoinEui = (prefix: string): string | undefined => {
  const [eui, bits] = prefix.split('/');
  return bits === '64' && eui !== undefined ? eui : undefined;
};

/**
 * ChirpStack v3: the head of the `[join_server]` section and one `[[join_server.servers]]` entry per exact JoinEUI;
 * a prefix that is not one JoinEUI becomes a comment that says so.
 */
export function chirpStackV3Servers(joinEuiPrefixes: readonly string[], c: JoinServerConnection): string[] {
  return [
    '[join_server]',
    'resolve_join_eui=false',
    ...joinEuiPrefixes.flatMap((prefix) => {
      const eui = exactJoinEui(prefix);
      if (eui === undefined)
        return ['', `# ${prefix} is not one JoinEUI: ChirpStack v3 routes exact JoinEUIs only (join_eui).`];
      return [
        '',
        '  [[join_server.servers]]',
        `  join_eui=${quoted(eui.toLowerCase())}`,
        `  server=${quoted(c.server)}`,
        ...(c.asyncTimeout === undefined
          ? []
          : ['  async=true', `  async_timeout=${quoted(c.asyncTimeout)}`]),
        ...chirpStackTls(c, '  '),
      ];
    }),
  ];
}

/** ChirpStack v3: the `[join_server.kek]` set, between blank lines. */
export const chirpStackV3Kek = (kek: KekSetting): string[] => [
  '',
  '  [join_server.kek]',
  '',
  '    [[join_server.kek.set]]',
  `    label=${quoted(kek.label)}`,
  `    kek=${quoted(kek.key.toLowerCase())}`,
  '',
];

/** The Things Stack, `ns:` or `as:` of ttn-lw-stack.yml: the interop directory, and the server's own ID if it has one. */
export const ttsInterop = (directory: string, id: string | null): string[] => [
  '  interop:',
  '    config-source: "directory"',
  `    directory: ${quoted(directory)}`,
  ...(id === null ? [] : [`    id: ${quoted(id)}`]),
];

/** The Things Stack, the interop `config.yml`: Joinery's entry, for the NS or the AS component. */
export const ttsJoinServers = (component: 'ns' | 'as', joinEuiPrefixes: readonly string[]): string[] => [
  'join-servers:',
  '  - file: "joinery/js.yml"',
  `    components: ["${component}"]`,
  `    join-euis: [${joinEuiPrefixes.map((p) => quoted(p.toUpperCase())).join(', ')}]`,
];

/**
 * The Things Stack, the interop `joinery/js.yml`: where Joinery is, the BI version, and the PEM files beside it.
 * `pathKey` is the `paths` key that takes the URL's path: `join` for the NS, `app-s-key` for the AS.
 */
export function ttsJoinServer(entry: {
  readonly url: URL;
  readonly protocol: string;
  readonly senderNsId: string | null;
  readonly pathKey: string;
}): string[] {
  const { url } = entry;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return [
    `fqdn: ${quoted(url.hostname.replace(/^\[(.*)\]$/, '$1'))}`,
    `port: ${port}`,
    `protocol: ${quoted(entry.protocol)}`,
    ...(entry.senderNsId === null ? [] : [`sender-ns-id: ${quoted(entry.senderNsId)}`]),
    ...(url.pathname === '/' ? [] : [`paths: { ${entry.pathKey}: ${quoted(url.pathname.slice(1))} }`]),
    'tls:',
    '  source: "file"',
    '  root-ca: "ca.pem"',
    '  certificate: "client.pem"',
    '  key: "client-key.pem"',
  ];
}

/** The Things Stack, key-vault.yml: the KEK as a static key (TTS takes the key as registered). */
export const ttsKeyVault = (kek: KekSetting): string[] => [
  'key-vault:',
  '  provider: "static"',
  '  static:',
  `    ${quoted(kek.label)}: ${quoted(kek.key)}`,
];
