// The README's "Try it" steps, run as written: `npm start` in a fresh data directory, then every command of the
// README's try-it block in a shell, as a newcomer would paste them. The start banner must show the same commands.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { consoleWebDistDir, consoleWebIsFresh } from '@joinery/console-web';
import { freePort, spawnManaged, type ManagedProcess } from '@joinery/testing/infra';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The shell lines of the fenced block between `<!-- try-it:begin -->` and `<!-- try-it:end -->`, comments cut. */
export function tryItCommands(readme: string): string[] {
  const block = /<!-- try-it:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- try-it:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no try-it block');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

const dir = mkdtempSync(join(tmpdir(), 'joinery-try-it-'));
let server: ManagedProcess;
let env: NodeJS.ProcessEnv;
let webConsoleFreshAtStart = false;

before(async () => {
  const [apiPort, biPort] = [await freePort(), await freePort()];
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    JOINERY_DATA_DIR: join(dir, 'data'),
    JOINERY_API_PORT: String(apiPort),
    JOINERY_BI_PORT: String(biPort),
    npm_config_update_notifier: 'false',
  };
  server = spawnManaged({
    command: 'npm',
    args: ['start'],
    cwd: repoRoot,
    logFile: join(dir, 'npm-start.log'),
    env,
  });
  const deadline = Date.now() + 90_000;
  while (!server.logTail(200).includes('Joinery is running')) {
    const exited = server.exited();
    if (exited !== undefined) throw new Error(`npm start ${exited}:\n${server.logTail(40)}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${server.logTail(40)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  webConsoleFreshAtStart = consoleWebIsFresh();
});

/** `npm start` runs the launcher through a shell; SIGTERM to npm alone leaves it running, so stop the tree. */
function descendants(pid: number): number[] {
  try {
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
    return children.flatMap((child) => [child, ...descendants(child)]);
  } catch {
    return [];
  }
}

after(async () => {
  if (server !== undefined)
    for (const pid of descendants(server.pid).reverse()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the start banner says where it listens, where the admin token is, and the README try-it commands', () => {
  // The tail drops the log's last newline; the banner may be the last thing written yet.
  const banner = `${server.logTail(200)}\n`;
  assert.match(banner, new RegExp(`Management API +http://localhost:${env.JOINERY_API_PORT}/api/v1`));
  assert.match(banner, new RegExp(`Backend Interfaces +https://localhost:${env.JOINERY_BI_PORT}/`));
  assert.match(banner, /Admin token +\S*admin-token \(mode 0600\)/);
  const commands = tryItCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8')).filter((c) =>
    c.startsWith('npx joinery'),
  );
  assert.equal(commands.length, 3);
  // Whole lines (the log tail drops the banner's final newline when nothing was logged after it).
  const lines = banner.split('\n');
  for (const command of commands) assert.ok(lines.includes(`  ${command}`), `banner lacks: ${command}`);
});

test("the README's try-it commands work as written", async () => {
  const commands = tryItCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8')).filter(
    (c) => !c.startsWith('npm ci') && !c.startsWith('npm start'),
  );
  assert.ok(commands.length >= 3);
  const outputs: string[] = [];
  for (const command of commands) {
    const { stdout } = await run('bash', ['-c', command], { cwd: repoRoot, env, timeout: 120_000 });
    outputs.push(stdout);
  }
  const account = JSON.parse(outputs[0] ?? '') as { id: string; name: string; apiKey: string };
  assert.equal(account.name, 'Acme');
  assert.equal((JSON.parse(outputs[1] ?? '') as { imported: number }).imported, 3);
  const device = JSON.parse(outputs[2] ?? '') as { devEui: string; claimed: boolean; macVersion: string };
  assert.deepEqual(
    { devEui: device.devEui, claimed: device.claimed, macVersion: device.macVersion },
    { devEui: '0004A30B001C0530', claimed: false, macVersion: '1.0.3' },
  );
});

test('the web console at / is the bundle of the current sources, which npm start built when it was missing or stale', async () => {
  // `npm start` ran ensureConsoleWebBuilt before listening: the bundle on disk matches libs/console-web now.
  assert.equal(webConsoleFreshAtStart, true);
  const base = `http://127.0.0.1:${env.JOINERY_API_PORT}`;
  const index = await fetch(`${base}/`);
  assert.equal(index.status, 200);
  const html = await index.text();
  assert.match(html, /<title>Joinery console<\/title>/);
  assert.equal(html, readFileSync(join(consoleWebDistDir, 'index.html'), 'utf8'));
  const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? '');
  assert.ok(scripts.length > 0, 'the page loads no script: the console is not built');
  for (const script of scripts) {
    const res = await fetch(`${base}${script}`);
    assert.equal(res.status, 200, script);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
  }
});
