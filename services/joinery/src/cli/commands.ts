import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { ApiError, type ApiClient } from './api-client.js';
import {
  existingCredentialFiles,
  writeApplicationServerBundle,
  writeNetworkServerBundle,
  type RegisteredApplicationServer,
  type RegisteredNetworkServer,
} from './ns-bundle.js';

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandContext {
  /** A client with the admin token (admin commands). */
  admin(): ApiClient;
  /** A client with the account's API key (`JOINERY_TOKEN` / `--token`), falling back to the admin token. */
  account(): ApiClient;
  readonly env: NodeJS.ProcessEnv;
  out(value: unknown): void;
  /** Text on stdout as it is (CSV). */
  raw(text: string): void;
  /** Standard input, all of it (a password). */
  stdin(): string;
  /** A line for the operator on stderr (registration warnings). */
  warn(line: string): void;
}

/** One option of a command: `--name <value>` (string) or `--name` (boolean); `multiple` collects every use. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. `<dir>`. */
  readonly value?: string;
  readonly description: string;
}

export interface Command {
  /** One line in `joinery --help`. */
  readonly summary: string;
  /** Positional arguments in commander's syntax: `<name>` required, `[name]` optional. */
  readonly args?: string;
  /** What `<command> --help` adds after the options. */
  readonly details?: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  run(
    ctx: CommandContext,
    values: Record<string, string | boolean | string[] | undefined>,
    positionals: string[],
  ): Promise<void>;
}

const need = (value: string | undefined, what: string): string => {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
};

/** KEK labels the CLI registers: survive TTS's configuration loader (lower-cased keys, dots as separators). */
const kekLabelRe = /^[a-z0-9_:-]{1,64}$/;
const products = ['chirpstack', 'the-things-stack', 'other'];

/** The JoinEUIs of the account's devices (every page of `GET /api/v1/devices`), upper-case hex, each once. */
async function accountJoinEuis(api: ApiClient, accountId: string | undefined): Promise<string[]> {
  const euis = new Set<string>();
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '500' });
    if (accountId !== undefined) query.set('accountId', accountId);
    if (cursor !== null) query.set('cursor', cursor);
    const page: { items: { joinEui: string }[]; nextCursor: string | null } = await api.request(
      'GET',
      `/api/v1/devices?${query.toString()}`,
    );
    for (const device of page.items) euis.add(device.joinEui.toUpperCase());
    cursor = page.nextCursor;
  } while (cursor !== null);
  return [...euis].sort();
}

/**
 * The BI address the bundle names: `--bi-url`, else the server's public URL (`GET /api/v1/system/bi`), else (an
 * older server) `--js-host`/`--js-port` or localhost and JOINERY_BI_PORT.
 */
async function biUrlOf(
  api: ApiClient,
  env: NodeJS.ProcessEnv,
  biUrl: string | undefined,
  jsHost: string | undefined,
  jsPort: string | undefined,
): Promise<string> {
  if (biUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(biUrl);
    } catch {
      throw new UsageError(`--bi-url ${biUrl} is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new UsageError('--bi-url must be an https (or http) URL');
    return parsed.href;
  }
  if (jsHost !== undefined || jsPort !== undefined)
    return new URL(`https://${jsHost ?? 'localhost'}:${jsPort ?? env.JOINERY_BI_PORT ?? 7443}/`).href;
  try {
    return (await api.request<{ publicUrl: string }>('GET', '/api/v1/system/bi')).publicUrl;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    return new URL(`https://localhost:${env.JOINERY_BI_PORT ?? 7443}/`).href;
  }
}

/** Nothing is registered (and no show-once secret is lost) when the folder already holds a bundle. */
function refuseExistingBundle(out: string): void {
  const existing = existingCredentialFiles(out);
  if (existing.length > 0)
    throw new UsageError(
      `${resolve(out)} already holds credentials (${existing.join(', ')}): they are shown once and are not ` +
        'overwritten; give an empty or new folder',
    );
}

/** `ns-000013-1a2b3c4d` / `as-1a2b3c4d`: lower-case, unique, and telling the operator whose it is. */
function defaultKekLabel(kind: 'ns' | 'as', netId: string): string {
  const net = /^[0-9a-f]{6}$/i.test(netId) ? `${netId.toLowerCase()}-` : '';
  return `${kind}-${net}${randomBytes(4).toString('hex')}`;
}

function checkedKekLabel(label: string | undefined): string | undefined {
  if (label !== undefined && !kekLabelRe.test(label))
    throw new UsageError(
      '--kek-label must be lower-case letters, digits and _:- (The Things Stack lower-cases configuration keys ' +
        'and splits them at dots)',
    );
  return label;
}

/** `--join-eui`s (exact /64 each) and `--join-eui-prefix`es, else the JoinEUIs of the account's devices. */
async function joinEuiPrefixesOf(
  api: ApiClient,
  values: Record<string, string | boolean | string[] | undefined>,
  accountId: string | undefined,
): Promise<string[]> {
  const many = (name: string) => (values[name] as unknown as string[] | undefined) ?? [];
  const prefixes = new Set<string>();
  for (const eui of many('join-eui')) {
    if (!/^[0-9A-Fa-f]{16}$/.test(eui)) throw new UsageError(`--join-eui ${eui} is not 8 bytes of hex`);
    prefixes.add(`${eui.toUpperCase()}/64`);
  }
  for (const prefix of many('join-eui-prefix')) {
    const m = /^([0-9A-Fa-f]{16})\/(\d{1,2})$/.exec(prefix);
    if (m === null || Number(m[2]) > 64)
      throw new UsageError(`--join-eui-prefix ${prefix} is not <JoinEUI hex>/<0-64>`);
    prefixes.add(`${m[1]!.toUpperCase()}/${Number(m[2])}`);
  }
  if (prefixes.size === 0) for (const eui of await accountJoinEuis(api, accountId)) prefixes.add(`${eui}/64`);
  if (prefixes.size === 0)
    throw new UsageError(
      'no JoinEUI to route to Joinery: the account has no devices yet; give --join-eui <JoinEUI> for the ' +
        'devices this server will serve',
    );
  return [...prefixes];
}

/** The admin's choice of one account, for the billing listings (owners always get their own). */
const accountOption: Record<string, OptionSpec> = {
  account: { type: 'string', value: '<id>', description: 'admin: one account' },
};
const accountQuery = (values: Record<string, unknown>): string =>
  values.account === undefined ? '' : `?accountId=${encodeURIComponent(values.account as string)}`;

/** The options NS and AS registration share: where the bundle goes, for which account, the BI address it names. */
const bundleOptions = {
  out: {
    type: 'string',
    value: '<dir>',
    description: 'the folder for the bundle (required; no credentials in it yet)',
  },
  account: { type: 'string', value: '<id>', description: 'admin: the account to register for' },
  biUrl: {
    type: 'string',
    value: '<url>',
    description: "the BI address the bundle names (default: the server's public BI URL)",
  },
} satisfies Record<string, OptionSpec>;

/** The JoinEUIs (or prefixes) a credentials bundle routes to Joinery: NS and AS registration alike. */
const joinEuiOptions: Record<string, OptionSpec> = {
  'join-eui': {
    type: 'string',
    multiple: true,
    value: '<JoinEUI>',
    description: 'a JoinEUI routed to Joinery',
  },
  'join-eui-prefix': {
    type: 'string',
    multiple: true,
    value: '<JoinEUI/bits>',
    description: 'a JoinEUI prefix routed to Joinery',
  },
};

export const commands: Record<string, Command> = {
  'admin create-account': {
    summary: 'create an owner account; prints its first API key (shown once)',
    args: '<name>',
    async run(ctx, _values, [name]) {
      ctx.out(await ctx.admin().request('POST', '/api/v1/accounts', { name: need(name, '<name>') }));
    },
  },
  'admin import': {
    summary: 'import a device batch (root keys and claim codes) from a CSV or JSON file',
    args: '<file>',
    details:
      'JSON: the body of POST /api/v1/device-batches. CSV: header devEui,joinEui,macVersion,nwkKey,appKey,claimCode.',
    options: {
      'join-eui': { type: 'string', value: '<JoinEUI>', description: 'the JoinEUI (required for CSV)' },
      manufacturer: { type: 'string', value: '<name>', description: 'the manufacturer of the batch' },
    },
    async run(ctx, values, [file]) {
      const path = need(file, '<file>');
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
      const manufacturer = values.manufacturer as string | undefined;
      let body: Record<string, unknown>;
      if (extname(path).toLowerCase() === '.json') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new UsageError(`${path} is not JSON: ${(err as Error).message}`);
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new UsageError(`${path} must hold one JSON object, the body of POST /api/v1/device-batches`);
        body = parsed as Record<string, unknown>;
        if (values['join-eui'] !== undefined) body.joinEui = values['join-eui'];
      } else {
        body = {
          joinEui: need(values['join-eui'] as string | undefined, '--join-eui for a CSV file'),
          csv: text,
        };
      }
      if (manufacturer !== undefined) body.manufacturer = manufacturer;
      ctx.out(await ctx.admin().request('POST', '/api/v1/device-batches', body));
    },
  },
  'admin transport-kek': {
    summary: "register a manufacturer's transport KEK for wrapped root keys",
    args: '<label> <key>',
    async run(ctx, _values, [label, key]) {
      ctx.out(
        await ctx.admin().request('POST', '/api/v1/transport-keks', {
          label: need(label, '<label>'),
          key: need(key, '<key>'),
        }),
      );
    },
  },
  'ns register': {
    summary: 'register a network server and write its credentials and configuration bundle',
    details:
      'Writes the credentials and ready-to-paste ChirpStack v4/v3 and The Things Stack configuration to <dir>, which\n' +
      "  must not hold credentials yet. JoinEUIs: those given, else those of the account's devices. The address is the\n" +
      "  server's public BI URL (JOINERY_BI_PUBLIC_URL) unless --bi-url is given.",
    options: {
      name: { type: 'string', value: '<name>', description: 'its name (required)' },
      'net-id': { type: 'string', value: '<NetID>', description: 'its NetID, 6 hex digits (required)' },
      out: bundleOptions.out,
      'ns-id': { type: 'string', value: '<NSID>', description: 'its NSID (BI 1.1), 16 hex digits' },
      'kek-label': {
        type: 'string',
        value: '<label>',
        description: 'the KEK label (lower case; default ns-<NetID>-<random>)',
      },
      product: { type: 'string', value: '<product>', description: 'chirpstack, the-things-stack or other' },
      'app-s-key-delivery': {
        type: 'string',
        value: '<delivery>',
        description: 'wrapped, plaintext or session-key-id',
      },
      lifetime: { type: 'string', value: '<seconds>', description: 'the session lifetime' },
      'async-url': { type: 'string', value: '<url>', description: 'the asynchronous answer URL of the NS' },
      'async-timeout': {
        type: 'string',
        value: '<duration>',
        description: 'e.g. 5s or 1500ms (default 5s with --async-url)',
      },
      account: bundleOptions.account,
      'bi-url': bundleOptions.biUrl,
      'js-host': {
        type: 'string',
        value: '<host>',
        description: 'older servers: the host of the BI address',
      },
      'js-port': {
        type: 'string',
        value: '<port>',
        description: 'older servers: the port of the BI address',
      },
      ...joinEuiOptions,
    },
    async run(ctx, values) {
      const out = need(values.out as string | undefined, '--out <dir>');
      const str = (name: string) => values[name] as string | undefined;
      refuseExistingBundle(out);
      const lifetime = str('lifetime');
      if (lifetime !== undefined && !/^\d+$/.test(lifetime))
        throw new UsageError('--lifetime must be whole seconds');
      const asyncTimeout = str('async-timeout') ?? (str('async-url') === undefined ? undefined : '5s');
      if (asyncTimeout !== undefined && !/^\d+(ms|s)$/.test(asyncTimeout))
        throw new UsageError('--async-timeout must be a duration such as 5s or 1500ms');
      const kekLabel = checkedKekLabel(str('kek-label'));
      const product = str('product');
      if (product !== undefined && !products.includes(product))
        throw new UsageError(`--product must be one of ${products.join(', ')}`);
      const api = ctx.account();
      const prefixes = await joinEuiPrefixesOf(api, values, str('account'));
      const biUrl = await biUrlOf(api, ctx.env, str('bi-url'), str('js-host'), str('js-port'));
      const body = {
        name: need(str('name'), '--name'),
        netId: need(str('net-id'), '--net-id'),
        ...(str('ns-id') === undefined ? {} : { nsId: str('ns-id') }),
        // TTS lower-cases configuration keys: the label the CLI registers is lower-case from the start.
        kekLabel: kekLabel ?? defaultKekLabel('ns', need(str('net-id'), '--net-id')),
        ...(product === undefined ? {} : { product }),
        ...(str('app-s-key-delivery') === undefined ? {} : { appSKeyDelivery: str('app-s-key-delivery') }),
        ...(lifetime === undefined ? {} : { lifetime: Number(lifetime) }),
        ...(str('async-url') === undefined ? {} : { asyncUrl: str('async-url') }),
        ...(str('account') === undefined ? {} : { accountId: str('account') }),
      };
      const ns = await api.request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', body);
      const files = writeNetworkServerBundle(out, ns, {
        biUrl,
        joinEuiPrefixes: prefixes,
        ...(asyncTimeout === undefined ? {} : { asyncTimeout }),
      });
      for (const warning of ns.warnings ?? []) ctx.warn(`warning: ${warning.code}: ${warning.message}`);
      ctx.out({
        id: ns.id,
        netId: ns.netId,
        nsId: ns.nsId,
        kekLabel: ns.kek.label,
        biUrl,
        joinEuiPrefixes: prefixes,
        ...(ns.warnings === undefined ? {} : { warnings: ns.warnings }),
        files,
      });
    },
  },
  'as register': {
    summary: 'register an application server (AppSKeyReq) and write its credentials bundle',
    details:
      'Registers an application server (AppSKeyReq) and writes its credentials and The Things Stack configuration\n' +
      '  (its own interop directory, components ["as"]) to <dir>, which must not hold credentials yet.',
    options: {
      name: { type: 'string', value: '<name>', description: 'its name (required)' },
      'as-id': { type: 'string', value: '<AS-ID>', description: 'its AS-ID (required)' },
      out: bundleOptions.out,
      'kek-label': { type: 'string', value: '<label>', description: 'the KEK label (lower case)' },
      account: bundleOptions.account,
      'bi-url': bundleOptions.biUrl,
      ...joinEuiOptions,
    },
    async run(ctx, values) {
      const out = need(values.out as string | undefined, '--out <dir>');
      const str = (name: string) => values[name] as string | undefined;
      refuseExistingBundle(out);
      const kekLabel = checkedKekLabel(str('kek-label'));
      const api = ctx.account();
      const prefixes = await joinEuiPrefixesOf(api, values, str('account'));
      const biUrl = await biUrlOf(api, ctx.env, str('bi-url'), undefined, undefined);
      const as = await api.request<RegisteredApplicationServer>('POST', '/api/v1/application-servers', {
        name: need(str('name'), '--name'),
        asId: need(str('as-id'), '--as-id'),
        kekLabel: kekLabel ?? defaultKekLabel('as', ''),
        ...(str('account') === undefined ? {} : { accountId: str('account') }),
      });
      const files = writeApplicationServerBundle(out, as, { biUrl, joinEuiPrefixes: prefixes });
      ctx.out({ id: as.id, asId: as.asId, kekLabel: as.kek.label, biUrl, joinEuiPrefixes: prefixes, files });
    },
  },
  claim: {
    summary: 'claim a device with its claim code and bind it to one of your network servers',
    args: '<DevEUI> <claimCode>',
    options: {
      ns: { type: 'string', value: '<id>', description: 'the network server (required)' },
      as: { type: 'string', value: '<id>', description: 'the application server' },
    },
    async run(ctx, values, [devEui, claimCode]) {
      ctx.out(
        await ctx.account().request('POST', '/api/v1/claims', {
          devEui: need(devEui, '<DevEUI>'),
          claimCode: need(claimCode, '<claim code>'),
          networkServerId: need(values.ns as string | undefined, '--ns'),
          ...(values.as === undefined ? {} : { applicationServerId: values.as }),
        }),
      );
    },
  },
  unclaim: {
    summary: 'unclaim a device: claimable again, no network server can activate it',
    args: '<DevEUI>',
    async run(ctx, _values, [devEui]) {
      await ctx.account().request('DELETE', `/api/v1/claims/${encodeURIComponent(need(devEui, '<DevEUI>'))}`);
      ctx.out({ unclaimed: devEui });
    },
  },
  'devices get': {
    summary: 'show a device',
    args: '<DevEUI>',
    async run(ctx, _values, [devEui]) {
      ctx.out(
        await ctx.account().request('GET', `/api/v1/devices/${encodeURIComponent(need(devEui, '<DevEUI>'))}`),
      );
    },
  },
  'devices list': {
    summary: 'list devices (owners their own; the admin by account or batch)',
    options: {
      account: { type: 'string', value: '<id>', description: 'admin: the account' },
      batch: { type: 'string', value: '<id>', description: 'admin: the batch' },
    },
    async run(ctx, values) {
      const query = new URLSearchParams();
      if (values.account !== undefined) query.set('accountId', values.account as string);
      if (values.batch !== undefined) query.set('batchId', values.batch as string);
      const q = query.size === 0 ? '' : `?${query.toString()}`;
      ctx.out(await ctx.account().request('GET', `/api/v1/devices${q}`));
    },
  },
  'devices move': {
    summary: 'move a device to another of your network servers',
    args: '<DevEUI>',
    options: { ns: { type: 'string', value: '<id>', description: 'the new network server (required)' } },
    async run(ctx, values, [devEui]) {
      ctx.out(
        await ctx
          .account()
          .request('PUT', `/api/v1/devices/${encodeURIComponent(need(devEui, '<DevEUI>'))}/network-server`, {
            networkServerId: need(values.ns as string | undefined, '--ns'),
          }),
      );
    },
  },
  charges: {
    summary: 'list activation charges (an account its own, the admin all)',
    options: accountOption,
    async run(ctx, values) {
      const q = accountQuery(values);
      ctx.out(await ctx.account().request('GET', `/api/v1/billing/charges${q}`));
    },
  },
  'device nonces': {
    summary: "show a device's DevNonce and JoinNonce state and its DevNonce resets",
    args: '<DevEUI>',
    async run(ctx, _values, [devEui]) {
      ctx.out(
        await ctx
          .account()
          .request('GET', `/api/v1/devices/${encodeURIComponent(need(devEui, '<DevEUI>'))}/nonces`),
      );
    },
  },
  'device reset-devnonces': {
    summary: 'forget the DevNonces a device used (it lost its counter); recorded with who and why',
    args: '<DevEUI>',
    details:
      'Old join-requests of the device can be replayed afterwards: only its owner or the admin may do it. The JoinNonce\n' +
      'is never reset.',
    options: {
      reason: { type: 'string', value: '<text>', description: 'why (required; recorded, 1-500 characters)' },
    },
    async run(ctx, values, [devEui]) {
      ctx.out(
        await ctx
          .account()
          .request(
            'POST',
            `/api/v1/devices/${encodeURIComponent(need(devEui, '<DevEUI>'))}/devnonce-resets`,
            {
              reason: need(values.reason as string | undefined, '--reason <text>'),
            },
          ),
      );
    },
  },
  'invoices list': {
    summary: 'list invoices, newest month first (an account its own, the admin all)',
    options: accountOption,
    async run(ctx, values) {
      const q = accountQuery(values);
      ctx.out(await ctx.account().request('GET', `/api/v1/billing/invoices${q}`));
    },
  },
  'invoices get': {
    summary: 'one invoice (YYYY-MM) as JSON, CSV or PDF',
    args: '<period>',
    options: {
      format: { type: 'string', value: '<format>', description: 'json (default), csv or pdf' },
      output: { type: 'string', value: '<file>', description: 'write it to this file (needed for pdf)' },
      account: { type: 'string', value: '<id>', description: 'admin: the account' },
    },
    async run(ctx, values, [period]) {
      const format = (values.format as string | undefined) ?? 'json';
      if (!['json', 'csv', 'pdf'].includes(format)) throw new UsageError('--format must be json, csv or pdf');
      const output = values.output as string | undefined;
      if (format === 'pdf' && output === undefined) throw new UsageError('a PDF needs --output <file>');
      const query = new URLSearchParams({ format });
      if (values.account !== undefined) query.set('accountId', values.account as string);
      const answer = await ctx
        .account()
        .call(
          'GET',
          `/api/v1/billing/invoices/${encodeURIComponent(need(period, '<period>'))}?${query.toString()}`,
        );
      if (output !== undefined) {
        writeFileSync(output, answer.bytes);
        ctx.warn(`wrote ${answer.bytes.length} bytes to ${output}`);
      } else if (format === 'csv') ctx.raw(answer.bytes.toString('utf8'));
      else ctx.out(JSON.parse(answer.bytes.toString('utf8')));
    },
  },
  'user create': {
    summary: 'create a user who can log in (an operator with --operator: what the admin token can do)',
    details:
      'The password is read from standard input (its first line), never from the command line:\n' +
      '  printf %s "$PASSWORD" | joinery user create --email ops@example.com --name Ops --operator',
    options: {
      email: { type: 'string', value: '<email>', description: 'the login email (required)' },
      name: { type: 'string', value: '<name>', description: 'the name shown (required)' },
      operator: {
        type: 'boolean',
        description: 'an operator (required: account users come from invitations)',
      },
    },
    async run(ctx, values) {
      const email = need(values.email as string | undefined, '--email <email>');
      const name = need(values.name as string | undefined, '--name <name>');
      if (values.operator !== true)
        throw new UsageError(
          'only operators are created here (--operator); account users come from invitations (POST /api/v1/invitations)',
        );
      const password = (ctx.stdin().split(/\r?\n/)[0] ?? '').trimEnd();
      if (password === '')
        throw new UsageError('no password on standard input (its first line is the password)');
      ctx.out(
        await ctx
          .admin()
          .request('POST', '/api/v1/operator/users', { email, name, password, operator: true }),
      );
    },
  },
};
