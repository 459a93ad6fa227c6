import { readFileSync } from 'node:fs';
import { Command as Program, CommanderError, Option } from 'commander';
import { ApiError, createApiClient, type ApiClient } from './api-client.js';
import {
  bodyReader,
  buildApiCall,
  describeOperation,
  fetchDocument,
  findOperation,
  listOperations,
  parsePairs,
  writeAnswer,
} from './api-command.js';
import { commands, UsageError, type Command, type CommandContext } from './commands.js';
import { apiUrlOf, tokenOf, type TokenChoice } from './connection.js';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input, for `--body -` (default: the process's). */
  stdin?(): string;
}

const groups: Record<string, string> = {
  admin: 'operator commands (the admin token)',
  ns: 'network servers',
  as: 'application servers',
  devices: 'devices of an account',
  device: "one device's DevNonce state",
  invoices: 'monthly invoices (JSON, CSV, PDF)',
  user: 'users who log in with a password',
};

const footer = `
Connection: the API is --api-url, else JOINERY_API_URL, else http://127.0.0.1:$JOINERY_API_PORT (default 7080),
the server \`npm start\` runs. Admin commands use --token, JOINERY_ADMIN_TOKEN or $JOINERY_DATA_DIR/admin-token
(default ./data); account commands use --token, JOINERY_TOKEN, else the admin token. Which token was used is said
on stderr (never the token itself).

Every operation of the API: \`joinery api\` lists them, \`joinery api <operationId> --help\` shows one.
Exit codes: 0 done, 1 the API refused (error: <code>: <message>), 2 a usage mistake.`;

const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Runs one command; resolves with the exit code (0 ok, 1 the API refused, 2 a usage mistake). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const used: string[] = [];
  let startCode = 0;
  const clients = new Map<string, ApiClient>();
  const clientOf = (baseUrl: string, choice: TokenChoice) => {
    if (!used.includes(choice.source)) used.push(choice.source);
    const key = `${baseUrl} ${choice.token}`;
    return clients.get(key) ?? clients.set(key, createApiClient(baseUrl, choice.token)).get(key)!;
  };
  const program = new Program('joinery')
    .description('joinery: a neutral LoRaWAN Join Server, and the command line of its management API')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', footer);
  program.on('command:*', (operands: string[]) => {
    throw new UsageError(`unknown command: ${operands.join(' ')}\n\n${program.helpInformation()}`);
  });

  program
    .command('start')
    .description('embedded mode: every service in one process (what npm start runs)')
    .addHelpText(
      'after',
      '\nReads JOINERY_DATA_DIR, JOINERY_API_HOST/PORT, JOINERY_BI_PORT, JOINERY_LOG_LEVEL, …; refuses to start when\n' +
        'another server uses the same data directory.',
    )
    .action(async () => {
      const { runStart } = await import('../start.js');
      startCode = (await runStart(io.env, io)) ?? 0;
    });

  const parents = new Map<string, Program>();
  const withConnection = (cmd: Program) =>
    cmd
      .option('--token <token>', 'the bearer token (an API key, or the admin token)')
      .option('--api-url <url>', 'the management API (default http://127.0.0.1:$JOINERY_API_PORT)');
  const register = (name: string, command: Command) => {
    const words = name.split(' ');
    let parent = program;
    if (words.length === 2) {
      const group = words[0]!;
      parent =
        parents.get(group) ??
        parents.set(group, program.command(group).description(groups[group] ?? group)).get(group)!;
    }
    const cmd = parent.command(`${words.at(-1)!}${command.args === undefined ? '' : ` ${command.args}`}`);
    cmd.description(command.summary);
    for (const [option, spec] of Object.entries(command.options ?? {})) {
      const flags = `--${option}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`;
      const o = new Option(flags, `${spec.description}${spec.multiple === true ? ' (repeatable)' : ''}`);
      if (spec.multiple === true)
        o.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      cmd.addOption(o);
    }
    withConnection(cmd);
    if (command.details !== undefined) cmd.addHelpText('after', `\n${command.details}`);
    cmd.action(async (...args: unknown[]) => {
      const self = args.at(-1) as Program;
      const opts = self.opts<Record<string, string | boolean | string[] | undefined>>();
      const values: Record<string, string | boolean | string[] | undefined> = {};
      for (const option of Object.keys(command.options ?? {})) values[option] = opts[camel(option)];
      const token = opts.token as string | undefined;
      const baseUrl = apiUrlOf(io.env, opts.apiUrl as string | undefined);
      const ctx: CommandContext = {
        env: io.env,
        admin: () => clientOf(baseUrl, tokenOf(io.env, token, 'admin')),
        account: () => clientOf(baseUrl, tokenOf(io.env, token, 'account')),
        out: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
        raw: (text) => io.stdout(text),
        stdin: io.stdin ?? (() => readFileSync(0, 'utf8')),
        warn: (line) => io.stderr(`${line}\n`),
      };
      await command.run(ctx, values, self.args);
    });
  };
  for (const [name, command] of Object.entries(commands)) register(name, command);

  withConnection(
    program
      .command('api [operationId]')
      .description('call any operation of the API by its operationId (`joinery api` lists them)')
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .option('-h, --help', 'the operations, or what one operation takes')
      .option('--output <file>', 'write the answer to this file (needed for PDF, ZIP, PNG answers)'),
  )
    .addHelpText(
      'after',
      '\nParameters: --<path or query parameter> <value>; a JSON body with --body <file>|- or field by field\n' +
        'with --<field> <value> (numbers, booleans, arrays and objects as JSON); --content-type <type> with\n' +
        '--body sends another media type (e.g. text/csv).',
    )
    .action(async (operationId: string | undefined, _opts: unknown, self: Program) => {
      const opts = self.opts<{ help?: boolean; output?: string; token?: string; apiUrl?: string }>();
      const baseUrl = apiUrlOf(io.env, opts.apiUrl);
      // The document is public: fetched without a token.
      const doc = await fetchDocument(createApiClient(baseUrl, ''));
      if (operationId === undefined) {
        io.stdout(`${self.helpInformation()}\nOperations of ${baseUrl}:\n${listOperations(doc)}\n`);
        return;
      }
      const found = findOperation(doc, operationId);
      if (opts.help === true) {
        io.stdout(`${describeOperation(doc, found)}\n`);
        return;
      }
      const rest = self.args.slice(1).filter((a, i, all) => !isConnectionArg(a, all[i - 1]));
      const call = buildApiCall(
        doc,
        found,
        parsePairs(stripOwn(rest)),
        bodyReader(io.stdin ?? (() => readFileSync(0, 'utf8'))),
      );
      const api = clientOf(baseUrl, tokenOf(io.env, opts.token, 'account'));
      // A stream (Server-Sent Events) is written as it comes, until the server ends it or the user stops it.
      const answer = await api.call(call.method, call.path, call.body, call.contentType, io.stdout);
      writeAnswer(answer, opts.output, io.stdout);
    });

  let code = 0;
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError)
      code = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    else if (err instanceof UsageError) {
      io.stderr(`${err.message}\n(add --help for usage)\n`);
      code = 2;
    } else if (err instanceof ApiError) {
      io.stderr(`error: ${err.code}: ${err.message}\n`);
      code = 1;
    } else throw err;
  }
  for (const source of used) io.stderr(`joinery: used ${source}\n`);
  return code === 0 ? startCode : code;
}

/** commander leaves the options it knows out of `args` only when they come before the operands: drop them too. */
const own = new Set(['--output', '--token', '--api-url']);
function isConnectionArg(arg: string, previous: string | undefined): boolean {
  return (
    own.has(arg.split('=')[0]!) || (previous !== undefined && own.has(previous) && !previous.includes('='))
  );
}
const stripOwn = (args: string[]) => args.filter((a) => a !== '-h' && a !== '--help');
