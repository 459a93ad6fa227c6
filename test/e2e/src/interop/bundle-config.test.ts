// The NS bundle written by the real CLI (`joinery ns register --out`) against a running embedded Joinery, parsed as
// the real products parse it: The Things Stack and ChirpStack v3 through viper and yaml.v2 (a Go program), ChirpStack
// v4 through its configuration-directory loader with the `toml` crate (a Rust program); see
// test/e2e/interop/bundle-config/README.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  deviceCsv,
  nsRegisterArgs,
  runCapturedCli,
  startEmbedded,
  type RunningEmbedded,
  loopbackEmbeddedEnv,
} from '@joinery/joinery';
import { captureLogs } from '@joinery/logging';
import { unzipSync } from 'fflate';

const run = promisify(execFile);
const source = resolve(import.meta.dirname, '../../interop/bundle-config');
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'joinery', 'interop');
const goChecker = join(cache, 'bundle-config-go', 'bundle-check');
const rustTarget = join(cache, 'bundle-config-rust');
const rustChecker = join(rustTarget, 'debug', 'bundle-config-check');
/** The toolchains where this machine kind installs them, when they are not on PATH. */
const tool = (name: string, ...places: string[]) => places.find((p) => existsSync(p)) ?? name;
const goTool = tool('go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go');
const cargoTool = tool('cargo', join(homedir(), '.cargo', 'bin', 'cargo'));

const dir = mkdtempSync(join(tmpdir(), 'joinery-bundle-config-'));
let running: RunningEmbedded;
let env: NodeJS.ProcessEnv;

const cli = (...argv: string[]) => runCapturedCli(env, ...argv);

async function checked(file: string, args: string[], cwd?: string) {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 1 << 20 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/**
 * The bundle in `out` loads as the NS it describes (NetID 000013) in The Things Stack and ChirpStack v3 (the Go
 * checker) and in ChirpStack v4 (the Rust one); answers the KEK label it names.
 */
async function productsLoad(
  name: string,
  out: string,
  ns: { biUrl: string; joinEuiPrefixes: string[]; nsId: string; async: boolean },
): Promise<string> {
  const [label, kek] = readFileSync(join(out, 'kek'), 'utf8').trim().split(' ') as [string, string];
  const go = await checked(goChecker, [
    ...['-bundle', out, '-bi-url', ns.biUrl, '-join-euis', ns.joinEuiPrefixes.join(',')],
    ...['-net-id', '000013', '-ns-id', ns.nsId, '-kek-label', label, '-kek', kek],
    ...(ns.async ? ['-async'] : []),
  ]);
  assert.equal(go.code, 0, `${name}: ${go.stdout}`);
  const rust = await checked(rustChecker, [
    join(source, 'chirpstack.toml'),
    join(out, 'chirpstack', 'joinery.toml'),
    '--',
    ns.biUrl,
    label,
    kek,
    ns.async ? '1' : '0',
    ...ns.joinEuiPrefixes,
  ]);
  assert.equal(rust.code, 0, `${name}: ${rust.stdout}`);
  return label;
}

before(async () => {
  mkdirSync(cache, { recursive: true });
  // The real parsers: built once per machine (go.sum and Cargo.lock pin them).
  await run(goTool, ['build', '-o', goChecker, '.'], { cwd: join(source, 'go'), maxBuffer: 1 << 22 });
  await run(cargoTool, ['build', '--locked', '--target-dir', rustTarget], {
    cwd: join(source, 'rust'),
    maxBuffer: 1 << 22,
  });
  running = await startEmbedded(
    loopbackEmbeddedEnv(join(dir, 'data'), {
      JOINERY_ALLOW_PRIVATE_ASYNC_URLS: 'true',
    }),
    captureLogs().logger,
  );
  env = { JOINERY_DATA_DIR: join(dir, 'data'), JOINERY_API_PORT: String(running.apiPort) };
});
after(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the public BI URL defaults to this host and the BI port; the server certificate covers that host', async () => {
  assert.equal(running.biPublicUrl, `https://${hostname().toLowerCase()}:${running.biPort}/`);
  // A TLS client that checks the name (ChirpStack, TTS) accepts the certificate for the public host.
  await new Promise<void>((done, fail) => {
    const socket = connect(
      { host: '127.0.0.1', port: running.biPort, servername: hostname(), ca: running.caCertPem },
      () => {
        socket.end();
        done();
      },
    );
    socket.once('error', fail);
  });
});

test('the bundle loads in ChirpStack v4, ChirpStack v3 and The Things Stack as written', async () => {
  const account = await cli('admin', 'create-account', 'Interop');
  assert.equal(account.code, 0, account.stderr);
  const csv = join(dir, 'devices.csv');
  writeFileSync(csv, deviceCsv(['0004A30B001C1001', 'CODE-1001']));
  assert.equal((await cli('admin', 'import', csv, '--join-eui', '70B3D57ED0000010')).code, 0);
  writeFileSync(csv, deviceCsv(['0004A30B001C1002', 'CODE-1002']));
  assert.equal((await cli('admin', 'import', csv, '--join-eui', '70B3D57ED0000020')).code, 0);
  env = { ...env, JOINERY_TOKEN: (account.json() as { apiKey: string }).apiKey };

  // A first NS, for the JoinEUI the owner names; the owner's devices are claimed to it.
  const first = await cli(
    ...nsRegisterArgs('first', '000013', join(dir, 'first')),
    '--join-eui',
    '70B3D57ED0000010',
  );
  assert.equal(first.code, 0, first.stderr);
  for (const [devEui, code] of [
    ['0004A30B001C1001', 'CODE-1001'],
    ['0004A30B001C1002', 'CODE-1002'],
  ] as const)
    assert.equal((await cli('claim', devEui, code, '--ns', first.json().id as string)).code, 0);

  for (const variant of [
    {
      name: 'tts-bi11',
      extra: ['--ns-id', '00005EEF10000100', '--product', 'the-things-stack'],
      async: false,
    },
    {
      name: 'chirpstack-async',
      extra: ['--product', 'chirpstack', '--async-url', 'https://127.0.0.1:9/bi'],
      async: true,
    },
  ]) {
    const out = join(dir, variant.name);
    const ns = await cli(...nsRegisterArgs(variant.name, '000013', out), ...variant.extra);
    assert.equal(ns.code, 0, ns.stderr);
    const answer = ns.json() as { kekLabel: string; biUrl: string; joinEuiPrefixes: string[] };
    // The JoinEUIs of the account's devices, one exact /64 each; the server's public BI URL.
    assert.deepEqual(answer.joinEuiPrefixes, ['70B3D57ED0000010/64', '70B3D57ED0000020/64']);
    assert.equal(answer.biUrl, running.biPublicUrl);
    const label = await productsLoad(variant.name, out, {
      ...answer,
      nsId: variant.extra[0] === '--ns-id' ? variant.extra[1]! : '',
      async: variant.async,
    });
    assert.equal(label, answer.kekLabel);
  }
});

test('an application server gets its own TTS interop directory and certificate (components ["as"])', async () => {
  const out = join(dir, 'tts-as');
  const as = await cli('as', 'register', '--name', 'tts-as', '--as-id', 'tts-as.example.net', '--out', out);
  assert.equal(as.code, 0, as.stderr);
  const answer = as.json() as { kekLabel: string; biUrl: string; joinEuiPrefixes: string[] };
  assert.deepEqual(answer.joinEuiPrefixes, ['70B3D57ED0000010/64', '70B3D57ED0000020/64']);
  const [label, kek] = readFileSync(join(out, 'kek'), 'utf8').trim().split(' ') as [string, string];
  const go = await checked(goChecker, [
    '-bundle',
    out,
    '-as-id',
    'tts-as.example.net',
    '-bi-url',
    answer.biUrl,
    '-join-euis',
    answer.joinEuiPrefixes.join(','),
    '-kek-label',
    label,
    '-kek',
    kek,
  ]);
  assert.equal(go.code, 0, go.stdout);
});

test('the checkers catch what ChirpStack and TTS refuse: a [join_server] header, a mixed-case label, files outside', async () => {
  const out = join(dir, 'broken');
  mkdirSync(join(out, 'chirpstack'), { recursive: true });
  const dropIn = join(out, 'chirpstack', 'joinery.toml');
  writeFileSync(
    dropIn,
    '[join_server]\n  [[join_server.servers]]\n  join_eui_prefix="70b3d57ed0000010/64"\n  server="https://x/"\n',
  );
  const rust = await checked(rustChecker, [
    join(source, 'chirpstack.toml'),
    dropIn,
    '--',
    'https://x/',
    'l',
    '00'.repeat(16),
    '0',
    '70B3D57ED0000010/64',
  ]);
  assert.equal(rust.code, 1);
  assert.match(rust.stdout, /cannot parse its configuration/);

  mkdirSync(join(out, 'the-things-stack', 'interop'), { recursive: true });
  writeFileSync(
    join(out, 'the-things-stack', 'ttn-lw-stack.yml'),
    `ns:\n  net-id: "000013"\n  interop:\n    config-source: "directory"\n    directory: "${join(out, 'the-things-stack', 'interop')}"\n`,
  );
  writeFileSync(
    join(out, 'the-things-stack', 'key-vault.yml'),
    `key-vault:\n  provider: "static"\n  static:\n    "Ns-Mixed": "${'00'.repeat(16)}"\n`,
  );
  writeFileSync(
    join(out, 'the-things-stack', 'interop', 'config.yml'),
    'join-servers:\n  - file: "js.yml"\n    components: ["ns", "as"]\n    join-euis: ["70B3D57ED0000010/64"]\n',
  );
  writeFileSync(
    join(out, 'the-things-stack', 'interop', 'js.yml'),
    'fqdn: "x"\nport: 443\nprotocol: "BI1.0"\ntls:\n  source: "file"\n  root-ca: "../../ca.pem"\n  certificate: "../../client.pem"\n  key: "../../client-key.pem"\n',
  );
  const go = await checked(goChecker, [
    '-bundle',
    out,
    '-bi-url',
    'https://x/',
    '-join-euis',
    '70B3D57ED0000010/64',
    '-net-id',
    '000013',
    '-kek-label',
    'Ns-Mixed',
    '-kek',
    '00'.repeat(16),
  ]);
  assert.equal(go.code, 1);
  assert.match(go.stdout, /no KEK labelled "Ns-Mixed"/);
  assert.match(go.stdout, /serves the AS with the NS's certificate/);
  assert.match(go.stdout, /outside the interop directory/);
  assert.match(go.stdout, /chirpstack v3: open/);
});

test('the zip bundles of a registration and of a rotation (REST) load in ChirpStack v4, v3 and TTS too', async () => {
  const api = `http://127.0.0.1:${running.apiPort}`;
  const token = env['JOINERY_TOKEN'] ?? '';
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const registered = (await (
    await call('POST', '/api/v1/network-servers', {
      name: 'zipped',
      netId: '000013',
      nsId: '00005EEF10000200',
    })
  ).json()) as { id: string; bundle: { url: string } };
  const rotated = (await (
    await call('POST', `/api/v1/network-servers/${registered.id}/rotations`, { overlapSeconds: 60 })
  ).json()) as { bundle: { url: string } };
  for (const [name, url] of [
    ['zip-registration', registered.bundle.url],
    ['zip-rotation', rotated.bundle.url],
  ] as const) {
    const out = join(dir, name);
    const res = await call('GET', `${url}?dir=${encodeURIComponent(out)}`);
    assert.equal(res.status, 200, name);
    for (const [file, bytes] of Object.entries(unzipSync(new Uint8Array(await res.arrayBuffer())))) {
      mkdirSync(join(out, file, '..'), { recursive: true });
      writeFileSync(join(out, file), bytes);
    }
    const meta = JSON.parse(readFileSync(join(out, 'network-server.json'), 'utf8')) as {
      biUrl: string;
      joinEuiPrefixes: string[];
    };
    assert.deepEqual(meta.joinEuiPrefixes, ['70B3D57ED0000010/64', '70B3D57ED0000020/64']);
    await productsLoad(name, out, { ...meta, nsId: '00005EEF10000200', async: false });
  }
});
