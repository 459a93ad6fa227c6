import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ApiClient } from './api-client.js';
import { writeNetworkServerBundle, type RegisteredNetworkServer } from './ns-bundle.js';

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
}

export interface Command {
  readonly usage: string;
  readonly options?: ParseArgsConfig['options'];
  run(
    ctx: CommandContext,
    values: Record<string, string | boolean | undefined>,
    positionals: string[],
  ): Promise<void>;
}

const need = (value: string | undefined, what: string): string => {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
};

export const commands: Record<string, Command> = {
  'admin create-account': {
    usage: 'joinery admin create-account <name>',
    async run(ctx, _values, [name]) {
      ctx.out(await ctx.admin().request('POST', '/api/v1/accounts', { name: need(name, '<name>') }));
    },
  },
  'admin import': {
    usage:
      'joinery admin import <file.csv|file.json> [--join-eui <JoinEUI>] [--manufacturer <name>]\n' +
      '  JSON: the body of POST /api/v1/device-batches. CSV: header devEui,joinEui,macVersion,nwkKey,appKey,claimCode.',
    options: { 'join-eui': { type: 'string' }, manufacturer: { type: 'string' } },
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
    usage: 'joinery admin transport-kek <label> <key hex>',
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
    usage:
      'joinery ns register --name <name> --net-id <NetID> --out <dir> [--ns-id <NSID>] [--kek-label <label>]\n' +
      '  [--app-s-key-delivery wrapped|plaintext|session-key-id] [--lifetime <s>] [--async-url <url>] [--account <id>]\n' +
      '  [--js-host <host>] [--js-port <port>] [--join-eui-prefix <JoinEUI/bits>]\n' +
      '  Writes the credentials and ready-to-paste The Things Stack and ChirpStack configuration to <dir>.',
    options: {
      name: { type: 'string' },
      'net-id': { type: 'string' },
      'ns-id': { type: 'string' },
      'kek-label': { type: 'string' },
      'app-s-key-delivery': { type: 'string' },
      lifetime: { type: 'string' },
      'async-url': { type: 'string' },
      account: { type: 'string' },
      out: { type: 'string' },
      'js-host': { type: 'string' },
      'js-port': { type: 'string' },
      'join-eui-prefix': { type: 'string' },
    },
    async run(ctx, values) {
      const out = need(values.out as string | undefined, '--out <dir>');
      const str = (name: string) => values[name] as string | undefined;
      const lifetime = str('lifetime');
      if (lifetime !== undefined && !/^\d+$/.test(lifetime))
        throw new UsageError('--lifetime must be whole seconds');
      const body = {
        name: need(str('name'), '--name'),
        netId: need(str('net-id'), '--net-id'),
        ...(str('ns-id') === undefined ? {} : { nsId: str('ns-id') }),
        ...(str('kek-label') === undefined ? {} : { kekLabel: str('kek-label') }),
        ...(str('app-s-key-delivery') === undefined ? {} : { appSKeyDelivery: str('app-s-key-delivery') }),
        ...(lifetime === undefined ? {} : { lifetime: Number(lifetime) }),
        ...(str('async-url') === undefined ? {} : { asyncUrl: str('async-url') }),
        ...(str('account') === undefined ? {} : { accountId: str('account') }),
      };
      const ns = await ctx
        .account()
        .request<RegisteredNetworkServer>('POST', '/api/v1/network-servers', body);
      const files = writeNetworkServerBundle(out, ns, {
        jsHost: str('js-host') ?? 'localhost',
        jsPort: Number(str('js-port') ?? ctx.env.JOINERY_BI_PORT ?? 7443),
        joinEuiPrefix: str('join-eui-prefix') ?? '0000000000000000/0',
      });
      ctx.out({ id: ns.id, netId: ns.netId, nsId: ns.nsId, kekLabel: ns.kek.label, files });
    },
  },
  claim: {
    usage: 'joinery claim <DevEUI> <claim code> --ns <network server id> [--as <application server id>]',
    options: { ns: { type: 'string' }, as: { type: 'string' } },
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
    usage: 'joinery unclaim <DevEUI>',
    async run(ctx, _values, [devEui]) {
      await ctx.account().request('DELETE', `/api/v1/claims/${encodeURIComponent(need(devEui, '<DevEUI>'))}`);
      ctx.out({ unclaimed: devEui });
    },
  },
  'devices get': {
    usage: 'joinery devices get <DevEUI>',
    async run(ctx, _values, [devEui]) {
      ctx.out(
        await ctx.account().request('GET', `/api/v1/devices/${encodeURIComponent(need(devEui, '<DevEUI>'))}`),
      );
    },
  },
  'devices list': {
    usage: 'joinery devices list [--account <id>] [--batch <id>]',
    options: { account: { type: 'string' }, batch: { type: 'string' } },
    async run(ctx, values) {
      const query = new URLSearchParams();
      if (values.account !== undefined) query.set('accountId', values.account as string);
      if (values.batch !== undefined) query.set('batchId', values.batch as string);
      const q = query.size === 0 ? '' : `?${query.toString()}`;
      ctx.out(await ctx.account().request('GET', `/api/v1/devices${q}`));
    },
  },
  'devices move': {
    usage: 'joinery devices move <DevEUI> --ns <network server id>',
    options: { ns: { type: 'string' } },
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
    usage: 'joinery charges [--account <id>]',
    options: { account: { type: 'string' } },
    async run(ctx, values) {
      const q =
        values.account === undefined ? '' : `?accountId=${encodeURIComponent(values.account as string)}`;
      ctx.out(await ctx.account().request('GET', `/api/v1/billing/charges${q}`));
    },
  },
};

/** Splits `argv` into a known command (one or two words) and the rest. */
export function findCommand(
  argv: readonly string[],
): { name: string; command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = commands[name];
    if (command !== undefined && argv.length >= words) return { name, command, rest: argv.slice(words) };
  }
  return undefined;
}

export function parseCommandArgs(command: Command, rest: string[]) {
  try {
    return parseArgs({
      args: rest,
      options: { ...command.options, token: { type: 'string' }, 'api-url': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
