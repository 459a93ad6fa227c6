// The `joinery` CLI against a real embedded Joinery (in this process, on loopback ports): what an operator and an
// owner type, what they get back, and the NS bundle written to disk.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { captureLogs } from '@joinery/logging';
import { startEmbedded, type RunningEmbedded } from '../embedded.js';
import { loopbackEmbeddedEnv } from '../testing/loopback-env.js';
import { createApiClient } from './api-client.js';
import { commands } from './commands.js';
import { runCli } from './run-cli.js';
import { deviceCsv, nsRegisterArgs, runCapturedCli } from '../testing/cli-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'joinery-cli-'));
let running: RunningEmbedded;
let env: NodeJS.ProcessEnv;

const cli = (...argv: string[]) => runCapturedCli(env, ...argv);

before(async () => {
  running = await startEmbedded(loopbackEmbeddedEnv(join(dir, 'data')), captureLogs().logger);
  env = {
    JOINERY_DATA_DIR: join(dir, 'data'),
    JOINERY_API_PORT: String(running.apiPort),
    JOINERY_BI_PORT: '7443',
  };
});
after(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('operator and owner flow: account, CSV import, NS bundle, claim, device', async () => {
  const account = await cli('admin', 'create-account', 'Acme');
  assert.equal(account.code, 0, account.stderr);
  const { id, apiKey } = account.json() as { id: string; apiKey: string };
  assert.match(id, /.+/);

  const csv = join(dir, 'devices.csv');
  writeFileSync(csv, deviceCsv(['0004A30B001C0540', 'CODE-0540']));
  const imported = await cli('admin', 'import', csv, '--join-eui', '70B3D57ED0000000');
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.json().imported, 1);

  env = { ...env, JOINERY_TOKEN: apiKey };
  const out = join(dir, 'my-ns');
  const ns = await cli(
    ...nsRegisterArgs('my-ns', '000013', out),
    '--ns-id',
    '00005EEF10000100',
    '--join-eui-prefix',
    '70B3D57ED0000000/64',
  );
  assert.equal(ns.code, 0, ns.stderr);
  const nsId = ns.json().id as string;
  for (const secret of [
    'client-key.pem',
    'bearer-token',
    'kek',
    'chirpstack/joinery.toml',
    'chirpstack-v3/chirpstack-network-server.toml',
    'the-things-stack/key-vault.yml',
    'the-things-stack/interop/joinery/client-key.pem',
  ])
    assert.equal(statSync(join(out, secret)).mode & 0o777, 0o600, secret);
  const [label, kek] = readFileSync(join(out, 'kek'), 'utf8').trim().split(' ') as [string, string];
  // TTS lower-cases configuration keys: the label the CLI registers is lower-case.
  assert.equal(label, label.toLowerCase());
  const publicUrl = running.biPublicUrl;
  assert.equal(ns.json().biUrl, publicUrl);
  const toml = readFileSync(join(out, 'chirpstack/joinery.toml'), 'utf8');
  assert.ok(
    toml.includes(
      `[[join_server.servers]]\njoin_eui_prefix="70b3d57ed0000000/64"\nserver="${publicUrl}"\nca_cert="${join(out, 'ca.pem')}"`,
    ),
    toml,
  );
  assert.doesNotMatch(toml, /^\[join_server\]/m);
  assert.match(toml, /^# authorization_header="Bearer /m);
  assert.ok(toml.includes(`[[keks]]\nlabel="${label}"\nkek="${kek.toLowerCase()}"`));
  const v3 = readFileSync(join(out, 'chirpstack-v3/chirpstack-network-server.toml'), 'utf8');
  assert.match(v3, /\[\[join_server\.servers\]\]\n {2}join_eui="70b3d57ed0000000"/);
  assert.ok(v3.includes(`[[join_server.kek.set]]\n    label="${label}"`));
  const jsYml = readFileSync(join(out, 'the-things-stack/interop/joinery/js.yml'), 'utf8');
  assert.match(jsYml, /protocol: "BI1\.1"\nsender-ns-id: "00005EEF10000100"/);
  assert.match(jsYml, /root-ca: "ca\.pem"/);
  assert.match(
    readFileSync(join(out, 'the-things-stack/interop/config.yml'), 'utf8'),
    /components: \["ns"\]\n {4}join-euis: \["70B3D57ED0000000\/64"\]/,
  );
  assert.match(
    readFileSync(join(out, 'the-things-stack/ttn-lw-stack.yml'), 'utf8'),
    /ns:\n {2}net-id: "000013"/,
  );
  assert.ok(
    readFileSync(join(out, 'the-things-stack/key-vault.yml'), 'utf8').includes(`"${label}": "${kek}"`),
  );
  assert.match(readFileSync(join(out, 'client.pem'), 'utf8'), /BEGIN CERTIFICATE/);
  for (const pem of ['ca.pem', 'client.pem', 'client-key.pem', 'the-things-stack/interop/joinery/client.pem'])
    assert.ok(readFileSync(join(out, pem), 'utf8').endsWith('-----\n'), pem);

  // The same folder again: refused before anything is registered, and the show-once secrets are left as they were.
  const owner = createApiClient(`http://127.0.0.1:${running.apiPort}`, apiKey);
  const registered = async () =>
    (await owner.request<{ items: unknown[] }>('GET', '/api/v1/network-servers')).items.length;
  const before = await registered();
  const again = await cli(...nsRegisterArgs('again', '000013', out), '--join-eui', '70B3D57ED0000000');
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds credentials \(ca\.pem, /);
  assert.equal(readFileSync(join(out, 'kek'), 'utf8'), `${label} ${kek}\n`);
  assert.equal(await registered(), before);

  const wrong = await cli('claim', '0004A30B001C0540', 'WRONG', '--ns', nsId);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^error: wrong_claim_code: /);
  const claimed = await cli('claim', '0004A30B001C0540', 'CODE-0540', '--ns', nsId);
  assert.equal(claimed.code, 0, claimed.stderr);
  const device = await cli('devices', 'get', '0004A30B001C0540');
  assert.deepEqual(
    {
      claimed: device.json().claimed,
      accountId: device.json().accountId,
      networkServerId: device.json().networkServerId,
    },
    { claimed: true, accountId: id, networkServerId: nsId },
  );
});

test('a JSON import is the body of POST /api/v1/device-batches; --join-eui overrides its joinEui', async () => {
  const file = join(dir, 'devices.json');
  const device = (n: number) => ({
    devEui: `0004A30B001C06${n.toString(16).padStart(2, '0').toUpperCase()}`,
    macVersion: '1.1',
    nwkKey: '2B7E151628AED2A6ABF7158809CF4F3C',
    appKey: '000102030405060708090A0B0C0D0E0F',
    claimCode: `CODE-06${n}`,
  });
  // As the operator (the admin token in the data directory), whatever account an earlier test logged in as; the
  // environment is put back afterwards, so no other test depends on this one.
  const before = env;
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  env = operator;
  try {
    writeFileSync(file, JSON.stringify({ joinEui: '70B3D57ED0000001', devices: [device(1), device(2)] }));
    const imported = await cli('admin', 'import', file);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.json().imported, 2);
    const shown = await cli('devices', 'get', device(1).devEui);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual([shown.json().joinEui, shown.json().macVersion], ['70B3D57ED0000001', '1.1']);

    writeFileSync(file, JSON.stringify({ joinEui: '70B3D57ED0000001', devices: [device(3)] }));
    assert.equal((await cli('admin', 'import', file, '--join-eui', '70B3D57ED0000002')).code, 0);
    assert.equal((await cli('devices', 'get', device(3).devEui)).json().joinEui, '70B3D57ED0000002');

    // A file that is not what the command needs is a usage mistake with a clear message, not a crash.
    writeFileSync(file, '{"joinEui": "70B3D57ED0000001", "devices": [');
    const broken = await cli('admin', 'import', file);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /devices\.json is not JSON/);
    writeFileSync(file, '[]');
    const array = await cli('admin', 'import', file);
    assert.equal(array.code, 2);
    assert.match(array.stderr, /must hold one JSON object/);
    const missing = await cli('admin', 'import', join(dir, 'nowhere.csv'), '--join-eui', '70B3D57ED0000000');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nowhere\.csv: ENOENT/);
  } finally {
    env = before;
  }
});

test('mistakes: unknown command and missing options are usage errors (2); the API unreachable is an error (1)', async () => {
  const unknown = await cli('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command: frobnicate/);
  const missing = await cli('ns', 'register', '--name', 'x');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing --out <dir>/);
  const badFlag = await cli('devices', 'get', 'X', '--nope');
  assert.equal(badFlag.code, 2);
  const away = await runCli(['devices', 'get', '0004A30B001C0540'], {
    env: { ...env, JOINERY_API_URL: 'http://127.0.0.1:1' },
    stdout: () => {},
    stderr: () => {},
  });
  assert.equal(away, 1);
});

test("ns register: JoinEUIs from the account's devices, lower-case KEK labels, warnings printed", async () => {
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  const before = env;
  try {
    env = operator;
    const account = await cli('admin', 'create-account', 'Routes');
    assert.equal(account.code, 0, account.stderr);
    const csv = join(dir, 'routes.csv');
    writeFileSync(csv, deviceCsv(['0004A30B001C0700', 'CODE-0700']));
    assert.equal((await cli('admin', 'import', csv, '--join-eui', '70B3D57ED0000007')).code, 0);
    env = { ...operator, JOINERY_TOKEN: (account.json() as { apiKey: string }).apiKey };

    // No device yet and no --join-eui: nothing to route, a usage mistake before anything is registered.
    const none = await cli(...nsRegisterArgs('n', '000013', join(dir, 'routes-0')));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no JoinEUI to route to Joinery/);
    const upper = await cli(
      ...nsRegisterArgs('n', '000013', join(dir, 'routes-0')),
      '--join-eui',
      '70B3D57ED0000007',
      '--kek-label',
      'My-Label',
    );
    assert.equal(upper.code, 2);
    assert.match(upper.stderr, /--kek-label must be lower-case/);

    const first = await cli(
      ...nsRegisterArgs('first', '000013', join(dir, 'routes-1')),
      '--join-eui',
      '70B3D57ED0000007',
    );
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      (await cli('claim', '0004A30B001C0700', 'CODE-0700', '--ns', first.json().id as string)).code,
      0,
    );

    // Now the account's device gives the route; ChirpStack with a wrapped AppSKey gets the server's warning.
    const out = join(dir, 'routes-2');
    const second = await cli(
      ...nsRegisterArgs('second', '000013', out),
      '--product',
      'chirpstack',
      '--app-s-key-delivery',
      'wrapped',
    );
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(second.json().joinEuiPrefixes, ['70B3D57ED0000007/64']);
    assert.match(second.stderr, /^warning: [a-z_]+: /m);
    assert.ok(Array.isArray(second.json().warnings));
    assert.match(
      readFileSync(join(out, 'chirpstack/joinery.toml'), 'utf8'),
      /join_eui_prefix="70b3d57ed0000007\/64"/,
    );
  } finally {
    env = before;
  }
});

test('--help everywhere: the program, every group and every command (exit 0, on stdout)', async () => {
  const top = await cli('--help');
  assert.equal(top.code, 0, top.stderr);
  for (const name of [
    'start',
    'admin',
    'ns',
    'as',
    'claim',
    'unclaim',
    'devices',
    'device',
    'charges',
    'api',
  ])
    assert.match(top.stdout, new RegExp(`^  ${name}\\b`, 'm'), `joinery --help lacks ${name}`);
  assert.match(top.stdout, /JOINERY_API_PORT/);
  for (const [name, command] of Object.entries(commands)) {
    const help = await cli(...name.split(' '), '--help');
    assert.equal(help.code, 0, `${name}: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^Usage: joinery ${name}\\b`, 'm'));
    for (const option of [...Object.keys(command.options ?? {}), 'token', 'api-url'])
      assert.ok(help.stdout.includes(`--${option}`), `joinery ${name} --help lacks --${option}`);
  }
  for (const group of ['admin', 'ns', 'devices', 'device', 'start']) {
    const help = await cli(group, '--help');
    assert.equal(help.code, 0, `${group}: ${help.stderr}`);
  }
  const sub = await cli('devices', 'frobnicate');
  assert.equal(sub.code, 2);
});

test('the CLI says on stderr which token it used, never the token', async () => {
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  const asAdmin = await runCapturedCli(operator, 'charges');
  assert.equal(asAdmin.code, 0, asAdmin.stderr);
  assert.match(asAdmin.stderr, /^joinery: used the admin token in .*admin-token$/m);
  assert.ok(!asAdmin.stderr.includes(running.adminToken));
  const created = JSON.parse(
    (await runCapturedCli(operator, 'admin', 'create-account', 'Tokens')).stdout,
  ) as {
    apiKey: string;
  };
  const asOwner = await runCapturedCli({ ...operator, JOINERY_TOKEN: created.apiKey }, 'devices', 'list');
  assert.equal(asOwner.code, 0, asOwner.stderr);
  assert.match(asOwner.stderr, /^joinery: used the API key in JOINERY_TOKEN$/m);
  assert.ok(!asOwner.stderr.includes(created.apiKey));
  const given = await runCapturedCli(operator, 'devices', 'list', '--token', created.apiKey);
  assert.match(given.stderr, /^joinery: used the token given with --token$/m);
  const fromEnv = await runCapturedCli(
    { JOINERY_API_PORT: operator.JOINERY_API_PORT, JOINERY_ADMIN_TOKEN: running.adminToken },
    'charges',
  );
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.match(fromEnv.stderr, /^joinery: used the admin token in JOINERY_ADMIN_TOKEN$/m);
  // No token anywhere: a usage mistake that says where tokens come from.
  const none = await runCapturedCli(
    { JOINERY_API_PORT: operator.JOINERY_API_PORT, JOINERY_DATA_DIR: dir },
    'devices',
    'list',
  );
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no admin token: set JOINERY_ADMIN_TOKEN/);
});

test('device nonces and device reset-devnonces: the DevNonce state, and a reset recorded with its reason', async () => {
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  const csv = join(dir, 'nonces.csv');
  writeFileSync(csv, deviceCsv(['0004A30B001C0800', 'CODE-0800']));
  assert.equal(
    (await runCapturedCli(operator, 'admin', 'import', csv, '--join-eui', '70B3D57ED0000008')).code,
    0,
  );
  const state = await runCapturedCli(operator, 'device', 'nonces', '0004A30B001C0800');
  assert.equal(state.code, 0, state.stderr);
  assert.deepEqual(
    [JSON.parse(state.stdout).devEui, JSON.parse(state.stdout).lastDevNonce, JSON.parse(state.stdout).resets],
    ['0004A30B001C0800', -1, []],
  );
  const noReason = await runCapturedCli(operator, 'device', 'reset-devnonces', '0004A30B001C0800');
  assert.equal(noReason.code, 2);
  assert.match(noReason.stderr, /missing --reason <text>/);
  const reset = await runCapturedCli(
    operator,
    'device',
    'reset-devnonces',
    '0004A30B001C0800',
    '--reason',
    'battery swapped',
  );
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(JSON.parse(reset.stdout).reason, 'battery swapped');
  const after = JSON.parse(
    (await runCapturedCli(operator, 'device', 'nonces', '0004A30B001C0800')).stdout,
  ) as {
    resets: { reason: string }[];
  };
  assert.deepEqual(
    after.resets.map((r) => r.reason),
    ['battery swapped'],
  );
  const unknown = await runCapturedCli(operator, 'device', 'nonces', '0004A30B001C08FF');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: unknown_device: /);
});

/** A value a path or query parameter accepts, from its schema's pattern. */
function sampleFor(schema: { pattern?: string; enum?: unknown[] } | undefined): string {
  if (schema?.enum !== undefined) return String(schema.enum[0]);
  const candidates = ['0000000000000000', '2026-01', '000013', 'x1'];
  const pattern = schema?.pattern === undefined ? undefined : new RegExp(schema.pattern);
  return candidates.find((c) => pattern === undefined || pattern.test(c)) ?? 'x1';
}

test('joinery api reaches every operation of the OpenAPI document the server serves', async () => {
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  const doc = (await (await fetch(`http://127.0.0.1:${running.apiPort}/api/v1/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          operationId: string;
          parameters?: { name: string; in: string; required?: boolean; schema?: { pattern?: string } }[];
          requestBody?: { required?: boolean };
          responses: Record<string, { content?: Record<string, unknown> }>;
        }
      >
    >;
  };
  const listed = await runCapturedCli(operator, 'api');
  assert.equal(listed.code, 0, listed.stderr);
  let reached = 0;
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      assert.match(
        listed.stdout,
        new RegExp(`^  ${op.operationId} +${method.toUpperCase()} ${path.replace(/[{}]/g, '\\$&')}`, 'm'),
      );
      // Streams never end: reached is enough to know from the listing.
      if (Object.values(op.responses).some((r) => r.content?.['text/event-stream'] !== undefined)) continue;
      const args = (op.parameters ?? [])
        .filter((p) => p.in === 'path' || p.required === true)
        .flatMap((p) => [`--${p.name}`, sampleFor(p.schema)]);
      const body = op.requestBody === undefined ? [] : ['--body', '-'];
      let stdout = '';
      let stderr = '';
      const code = await runCli(
        ['api', op.operationId, ...args, ...body, '--output', join(dir, 'api-answer')],
        {
          env: operator,
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          stdin: () => '{}',
        },
      );
      // 0: answered; 1: the server refused it (so it was reached). Never a usage mistake (2).
      assert.ok(code === 0 || code === 1, `${op.operationId}: exit ${code}: ${stderr}`);
      if (code === 1) assert.match(stderr, /^error: [a-z_]+: /, op.operationId);
      reached += 1;
    }
  assert.ok(reached >= 20, `only ${reached} operations`);
});

test('joinery api: parameters, fields, --body file|-, help, and mistakes', async () => {
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  const created = await runCapturedCli(operator, 'api', 'createAccount', '--name', 'Via api');
  assert.equal(created.code, 0, created.stderr);
  const account = JSON.parse(created.stdout) as { id: string; name: string; apiKey: string };
  assert.equal(account.name, 'Via api');
  const file = join(dir, 'account.json');
  writeFileSync(file, JSON.stringify({ name: 'From file' }));
  assert.equal(
    JSON.parse((await runCapturedCli(operator, 'api', 'createAccount', '--body', file)).stdout).name,
    'From file',
  );
  let stdout = '';
  const fromStdin = await runCli(['api', 'createAccount', '--body', '-'], {
    env: operator,
    stdout: (t) => (stdout += t),
    stderr: () => {},
    stdin: () => '{"name":"From stdin"}',
  });
  assert.equal(fromStdin, 0);
  assert.equal((JSON.parse(stdout) as { name: string }).name, 'From stdin');

  const owner = { ...operator, JOINERY_TOKEN: account.apiKey };
  const who = await runCapturedCli(owner, 'api', 'getWhoAmI');
  assert.deepEqual(JSON.parse(who.stdout), { accountId: account.id, scope: 'owner' });
  const device = await runCapturedCli(operator, 'api', 'getDevice', '--devEui', '0004A30B001C0540');
  assert.equal(device.code, 0, device.stderr);
  assert.equal(JSON.parse(device.stdout).devEui, '0004A30B001C0540');
  const csv = await runCapturedCli(owner, 'api', 'getInvoice', '--period', '2026-01', '--format', 'csv');
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, /^devEui,/m);

  const help = await runCapturedCli(operator, 'api', 'resetDevNonces', '--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^resetDevNonces: POST \/api\/v1\/devices\/\{devEui\}\/devnonce-resets/);
  assert.match(help.stdout, /--devEui <value> +\(path, required\)/);
  assert.match(help.stdout, /--reason <string> +\(required\)/);

  const missing = await runCapturedCli(operator, 'api', 'getDevice');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /getDevice needs --devEui <value>/);
  const unknownOp = await runCapturedCli(operator, 'api', 'frobnicate');
  assert.equal(unknownOp.code, 2);
  assert.match(unknownOp.stderr, /unknown operation frobnicate/);
  const unknownParam = await runCapturedCli(operator, 'api', 'getWhoAmI', '--nope', '1');
  assert.equal(unknownParam.code, 2);
  assert.match(unknownParam.stderr, /unknown parameter --nope for getWhoAmI/);
  const refused = await runCapturedCli(operator, 'api', 'createAccount', '--name', '');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: invalid_request: body\/name /);
});

test('user create --operator: the password from stdin, never the command line; the user can log in', async () => {
  const { JOINERY_TOKEN: _owner, ...operator } = env;
  const run = async (stdin: string, ...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      env: operator,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      stdin: () => stdin,
    });
    return { code, stdout, stderr };
  };
  const created = await run(
    'a long operator passphrase\n',
    'user',
    'create',
    '--email',
    'ops@example.net',
    '--name',
    'Ops',
    '--operator',
  );
  assert.equal(created.code, 0, created.stderr);
  assert.equal((JSON.parse(created.stdout) as { operator: boolean }).operator, true);
  assert.ok(!created.stdout.includes('a long operator passphrase'));
  const login = await fetch(`http://127.0.0.1:${running.apiPort}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ops@example.net', password: 'a long operator passphrase' }),
  });
  assert.equal(login.status, 200);
  const noPassword = await run('', 'user', 'create', '--email', 'x@example.net', '--name', 'X', '--operator');
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.stderr, /no password on standard input/);
  const notOperator = await run(
    'a long passphrase 2\n',
    'user',
    'create',
    '--email',
    'y@example.net',
    '--name',
    'Y',
  );
  assert.equal(notOperator.code, 2);
});
