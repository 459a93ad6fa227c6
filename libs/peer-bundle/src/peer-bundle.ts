import { isAbsolute, join } from 'node:path';
import {
  chirpStackV3Kek,
  chirpStackV3Servers,
  chirpStackV4Kek,
  chirpStackV4Servers,
  ttsInterop,
  ttsJoinServer,
  ttsJoinServers,
  ttsKeyVault,
  quoted,
  type JoinServerConnection,
} from '@joinery/product-config';

/** One file of a bundle: its path inside the bundle, its text, and whether it holds a secret (written 0600). */
export interface BundleFile {
  readonly name: string;
  readonly content: string;
  readonly secret: boolean;
}

/** What the registration of any peer answers: its ID and its show-once credentials. */
export interface RegisteredPeer {
  readonly id: string;
  readonly kek: { readonly label: string; readonly key: string };
  readonly bearerToken: string;
  readonly credentials: {
    readonly caCertPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
  };
}

/** The answer of `POST /api/v1/network-servers`. */
export interface RegisteredNetworkServer extends RegisteredPeer {
  readonly netId: string;
  readonly nsId: string | null;
  readonly appSKeyDelivery?: string | null;
  readonly product?: string | null;
  readonly warnings?: readonly { readonly code: string; readonly message: string }[];
}

export interface BundleOptions {
  /** The Backend Interfaces' public URL (`GET /api/v1/system/bi`, JOINERY_BI_PUBLIC_URL), e.g. `https://js.example.net:7443/`. */
  readonly biUrl: string;
  /** JoinEUI prefixes routed to Joinery, e.g. `70B3D57ED0000000/64` (one exact /64 per JoinEUI of the account's devices). */
  readonly joinEuiPrefixes: readonly string[];
  /** Set when the NS registered an asyncUrl: how long ChirpStack waits for the asynchronous answer (`5s`). */
  readonly asyncTimeout?: string;
}

export interface BundleFilesOptions extends BundleOptions {
  /** The absolute folder the files will be in (the configuration names the PEM files by absolute path). */
  readonly root: string;
}

/** Files of a bundle that hold or name show-once credentials: a folder holding any of them is never written into. */
export const credentialFiles = [
  'ca.pem',
  'client.pem',
  'client-key.pem',
  'bearer-token',
  'kek',
  'network-server.json',
  'application-server.json',
  'chirpstack/joinery.toml',
  'chirpstack-v3/chirpstack-network-server.toml',
  'the-things-stack/key-vault.yml',
  'the-things-stack/ttn-lw-stack.yml',
  'the-things-stack/interop/config.yml',
  'the-things-stack/interop/joinery/js.yml',
  'the-things-stack/interop/joinery/client-key.pem',
  // Written by earlier versions of the CLI.
  'chirpstack/chirpstack.toml',
  'the-things-stack/config.yml',
] as const;

/** A PEM block as files hold it: ChirpStack reads `tls_cert` and `tls_key` into one buffer, so each ends with `\n`. */
export function pemFile(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/**
 * The Things Stack's files under `the-things-stack/`: `ttn-lw-stack.yml` (`stack`, the component's part), the interop
 * directory `interop/` (`config.yml` with one entry for `component`, and `joinery/js.yml` beside copies of the PEM
 * files: TTS resolves js.yml's paths from js.yml's folder) and `key-vault.yml` with the KEK.
 */
function putTheThingsStackFiles(
  put: (name: string, content: string, secret?: boolean) => void,
  entry: {
    /** ttn-lw-stack.yml, whole. */
    readonly stack: readonly string[];
    /** The comment lines atop the interop config.yml, and atop key-vault.yml. */
    readonly comment: readonly string[];
    readonly keyVaultComment: readonly string[];
    readonly kek: RegisteredPeer['kek'];
    readonly component: 'ns' | 'as';
    readonly joinEuiPrefixes: readonly string[];
    readonly url: URL;
    readonly protocol: string;
    readonly senderNsId: string | null;
    /** The `paths` key of js.yml that takes the URL's path: `join` for the NS, `app-s-key` for the AS. */
    readonly pathKey: string;
    readonly pem: { readonly caPem: string; readonly certPem: string; readonly keyPem: string };
  },
): void {
  put('the-things-stack/ttn-lw-stack.yml', [...entry.stack, ''].join('\n'));
  put(
    'the-things-stack/interop/config.yml',
    [
      ...entry.comment.map((line) => `# ${line}`),
      ...ttsJoinServers(entry.component, entry.joinEuiPrefixes),
      '',
    ].join('\n'),
  );
  put('the-things-stack/interop/joinery/ca.pem', entry.pem.caPem);
  put('the-things-stack/interop/joinery/client.pem', entry.pem.certPem);
  put('the-things-stack/interop/joinery/client-key.pem', entry.pem.keyPem, true);
  put('the-things-stack/interop/joinery/js.yml', [...ttsJoinServer(entry), ''].join('\n'));
  put(
    'the-things-stack/key-vault.yml',
    [...entry.keyVaultComment.map((line) => `# ${line}`), ...ttsKeyVault(entry.kek), ''].join('\n'),
    true,
  );
}

/**
 * The show-once credentials of a peer at the bundle's top: the PEM files (each ending with a newline), the bearer
 * token and the KEK (both 0600). Returns the PEMs as written, for the copies the configuration files name.
 */
function putPeerCredentials(
  put: (name: string, content: string, secret?: boolean) => void,
  peer: RegisteredPeer,
): { caPem: string; certPem: string; keyPem: string } {
  const pems = {
    caPem: pemFile(peer.credentials.caCertPem),
    certPem: pemFile(peer.credentials.clientCertPem),
    keyPem: pemFile(peer.credentials.clientKeyPem),
  };
  put('ca.pem', pems.caPem);
  put('client.pem', pems.certPem);
  put('client-key.pem', pems.keyPem, true);
  put('bearer-token', `${peer.bearerToken}\n`, true);
  put('kek', `${peer.kek.label} ${peer.kek.key}\n`, true);
  return pems;
}

/**
 * Collects a bundle's files; refused when no JoinEUI prefix is given. `root` is the absolute folder the files will be
 * in: the configuration files name the PEM files by absolute path under it.
 */
function openBundle(options: Pick<BundleFilesOptions, 'biUrl' | 'joinEuiPrefixes' | 'root'>) {
  if (options.joinEuiPrefixes.length === 0) throw new Error('no JoinEUI prefix to route to Joinery');
  if (!isAbsolute(options.root))
    throw new Error(`the bundle folder must be an absolute path (${options.root})`);
  const files: BundleFile[] = [];
  const put = (name: string, content: string, secret = false) => {
    files.push({ name, content, secret });
  };
  const abs = (name: string) => join(options.root, name);
  return { files, put, abs, url: new URL(options.biUrl) };
}

/**
 * The files of an NS's credentials bundle: the PEM files, the bearer token and KEK (secrets), and configuration that
 * pastes into the real products as is (spec/backend-interfaces.md §5.1–5.3):
 * - `chirpstack/joinery.toml`: a ChirpStack v4 drop-in for its configuration directory (ChirpStack concatenates every
 *   `.toml` there), so no `[join_server]` header that would collide with the generated `chirpstack.toml`;
 * - `chirpstack-v3/chirpstack-network-server.toml`: the `[join_server]` section in ChirpStack v3 syntax;
 * - `the-things-stack/`: `ttn-lw-stack.yml` (`ns.net-id`, the interop directory), `key-vault.yml`, and the interop
 *   directory `interop/` whose `joinery/js.yml` names the PEM copies beside it.
 */
export function networkServerBundleFiles(
  ns: RegisteredNetworkServer,
  options: BundleFilesOptions,
): BundleFile[] {
  const { files, put, abs, url } = openBundle(options);
  const server = url.href;
  const protocol = ns.nsId === null ? 'BI1.0' : 'BI1.1';
  const netIdLower = ns.netId.toLowerCase();
  const { caPem, certPem, keyPem } = putPeerCredentials(put, ns);
  const connection: JoinServerConnection = {
    server,
    pemPaths: { ca: abs('ca.pem'), cert: abs('client.pem'), key: abs('client-key.pem') },
    asyncTimeout: options.asyncTimeout,
  };

  put(
    'network-server.json',
    `${JSON.stringify(
      {
        id: ns.id,
        netId: ns.netId,
        nsId: ns.nsId,
        kekLabel: ns.kek.label,
        protocol,
        biUrl: server,
        joinEuiPrefixes: options.joinEuiPrefixes,
      },
      null,
      2,
    )}\n`,
  );

  // ChirpStack v4: every .toml in the configuration directory is read and concatenated before parsing, so the file
  // starts with a table header (no bare key lands in another file's last table) and never opens [join_server].
  put(
    'chirpstack/joinery.toml',
    [
      "# ChirpStack v4: copy this file into ChirpStack's configuration directory (the --config folder, beside",
      '# chirpstack.toml). ChirpStack reads every .toml file there, so chirpstack.toml is not edited; it needs',
      `# [network] net_id="${netIdLower}". ChirpStack speaks BI 1.0. Keep this file private (it holds the KEK).`,
      ...chirpStackV4Servers(options.joinEuiPrefixes, connection, abs('bearer-token')),
      ...chirpStackV4Kek(ns.kek),
    ].join('\n'),
    true,
  );

  put(
    'chirpstack-v3/chirpstack-network-server.toml',
    [
      '# ChirpStack v3 Network Server: replace the [join_server] section of chirpstack-network-server.toml with',
      `# this one (v3 reads one file). It needs [network_server] net_id="${netIdLower}". Keep it private (the KEK).`,
      ...chirpStackV3Servers(options.joinEuiPrefixes, connection),
      ...chirpStackV3Kek(ns.kek),
    ].join('\n'),
    true,
  );

  // The Things Stack reads interop files through a fetcher rooted at the interop directory, js.yml's paths relative
  // to js.yml's folder: the PEMs are copied next to it, inside that directory.
  putTheThingsStackFiles(put, {
    stack: [
      '# Merge into the TTS configuration (ttn-lw-stack.yml), with key-vault.yml beside this file.',
      'ns:',
      `  net-id: ${quoted(ns.netId.toUpperCase())}`,
      ...ttsInterop(abs('the-things-stack/interop'), ns.nsId),
    ],
    comment: [
      "TTS interop directory (ns.interop.directory). The Network Server only: this entry names the NS's client",
      'certificate, which Joinery refuses from an Application Server. For AppSKeyReq, the AS gets its own bundle',
      'with its own certificate and interop directory (as.interop.directory):',
      '  joinery as register --name <name> --as-id <AS-ID> --out <dir>',
    ],
    component: 'ns',
    joinEuiPrefixes: options.joinEuiPrefixes,
    url,
    protocol,
    senderNsId: ns.nsId,
    pathKey: 'join',
    pem: { caPem, certPem, keyPem },
    keyVaultComment: [
      'Merge into the TTS configuration: the KEK that unwraps the session keys Joinery sends. TTS lower-cases',
      'configuration map keys, so the label is lower-case (the CLI registers lower-case labels only).',
    ],
    kek: ns.kek,
  });
  return files;
}

/** The answer of `POST /api/v1/application-servers`. */
export interface RegisteredApplicationServer extends RegisteredPeer {
  readonly asId: string;
}

/**
 * The files of an AS's credentials bundle for The Things Stack's Application Server (AppSKeyReq with the AS's own
 * certificate, which Joinery checks against the AS-ID): the PEM files, bearer token and KEK, and
 * `the-things-stack/ttn-lw-stack.yml` (`as.interop.*`), `key-vault.yml` and an interop directory of its own whose
 * entry serves `components: ["as"]` only.
 */
export function applicationServerBundleFiles(
  as: RegisteredApplicationServer,
  options: Omit<BundleFilesOptions, 'asyncTimeout'>,
): BundleFile[] {
  const { files, put, abs, url } = openBundle(options);
  const { caPem, certPem, keyPem } = putPeerCredentials(put, as);
  put(
    'application-server.json',
    `${JSON.stringify(
      {
        id: as.id,
        asId: as.asId,
        kekLabel: as.kek.label,
        biUrl: url.href,
        joinEuiPrefixes: options.joinEuiPrefixes,
      },
      null,
      2,
    )}\n`,
  );
  putTheThingsStackFiles(put, {
    stack: [
      '# Merge into the TTS configuration (ttn-lw-stack.yml), with key-vault.yml beside this file: the Application',
      "# Server's own interop directory, separate from the Network Server's.",
      'as:',
      ...ttsInterop(abs('the-things-stack/interop'), as.asId),
    ],
    comment: [
      'TTS interop directory (as.interop.directory): the Application Server, with its own certificate.',
    ],
    component: 'as',
    joinEuiPrefixes: options.joinEuiPrefixes,
    url,
    protocol: 'BI1.0',
    senderNsId: null,
    pathKey: 'app-s-key',
    pem: { caPem, certPem, keyPem },
    keyVaultComment: [
      'Merge into the TTS configuration: the KEK that unwraps the AppSKeys Joinery sends to the AS.',
    ],
    kek: as.kek,
  });
  return files;
}
