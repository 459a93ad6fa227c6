import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The answer of `POST /api/v1/network-servers`. */
export interface RegisteredNetworkServer {
  readonly id: string;
  readonly netId: string;
  readonly nsId: string | null;
  readonly kek: { readonly label: string; readonly key: string };
  readonly bearerToken: string;
  readonly credentials: {
    readonly caCertPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
  };
}

export interface BundleOptions {
  /** Host name or address NSs reach Joinery's Backend Interfaces at. */
  readonly jsHost: string;
  readonly jsPort: number;
  /** JoinEUI prefix routed to Joinery, e.g. `70B3D57ED0000000/64`. */
  readonly joinEuiPrefix: string;
}

/**
 * Writes an NS's credentials bundle: the PEM files, the bearer token and KEK (mode 0600), and ready-to-paste
 * configuration for The Things Stack (`config.yml`, `js.yml`, key vault entry) and ChirpStack v4
 * (`[[join_server.servers]]`, `[[keks]]`), as spec/backend-interfaces.md §5.1–5.2 describe them. Returns the files.
 */
export function writeNetworkServerBundle(
  dir: string,
  ns: RegisteredNetworkServer,
  options: BundleOptions,
): string[] {
  const written: string[] = [];
  const put = (name: string, content: string, secret = false) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: secret ? 0o600 : 0o644 });
    written.push(path);
  };
  const protocol = ns.nsId === null ? 'BI1.0' : 'BI1.1';
  put('ca.pem', ns.credentials.caCertPem);
  put('client.pem', ns.credentials.clientCertPem);
  put('client-key.pem', ns.credentials.clientKeyPem, true);
  put('bearer-token', `${ns.bearerToken}\n`, true);
  put('kek', `${ns.kek.label} ${ns.kek.key}\n`, true);
  put(
    'network-server.json',
    `${JSON.stringify({ id: ns.id, netId: ns.netId, nsId: ns.nsId, kekLabel: ns.kek.label, protocol }, null, 2)}\n`,
  );
  put(
    'the-things-stack/config.yml',
    [
      '# ns.interop.directory points at this folder (TTS Enterprise).',
      'join-servers:',
      '  - file: "./joinery/js.yml"',
      '    components: ["ns", "as"]',
      `    join-euis: ["${options.joinEuiPrefix}"]`,
      '',
    ].join('\n'),
  );
  put(
    'the-things-stack/joinery/js.yml',
    [
      `fqdn: "${options.jsHost}"`,
      `port: ${options.jsPort}`,
      'scheme: "https"',
      `protocol: "${protocol}"`,
      ...(ns.nsId === null ? [] : [`sender-ns-id: "${ns.nsId}"`]),
      'tls:',
      '  source: "file"',
      '  root-ca: "../../ca.pem"',
      '  certificate: "../../client.pem"',
      '  key: "../../client-key.pem"',
      '',
    ].join('\n'),
  );
  put(
    'the-things-stack/key-vault.yml',
    [
      '# Merge into the TTS configuration: the KEK that unwraps the session keys Joinery sends.',
      'key-vault:',
      '  provider: "static"',
      '  static:',
      `    "${ns.kek.label}": "${ns.kek.key}"`,
      '',
    ].join('\n'),
    true,
  );
  put(
    'chirpstack/chirpstack.toml',
    [
      `# Merge into chirpstack.toml ([network] net_id="${ns.netId.toLowerCase()}"). ChirpStack speaks BI 1.0.`,
      '[join_server]',
      '  [[join_server.servers]]',
      `  join_eui_prefix="${options.joinEuiPrefix.toLowerCase()}"`,
      `  server="https://${options.jsHost}:${options.jsPort}/"`,
      `  ca_cert="${join(dir, 'ca.pem')}"`,
      `  tls_cert="${join(dir, 'client.pem')}"`,
      `  tls_key="${join(dir, 'client-key.pem')}"`,
      '',
      '[[keks]]',
      `label="${ns.kek.label}"`,
      `kek="${ns.kek.key.toLowerCase()}"`,
      '',
    ].join('\n'),
    true,
  );
  return written;
}
