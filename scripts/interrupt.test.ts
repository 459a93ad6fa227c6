// exitOnInterrupt: a runner sent SIGTERM or SIGINT stops its running child, cleans up, and exits 128 + the signal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const interrupt = new URL('./interrupt.ts', import.meta.url).href;

/** A runner with a long-running child; resolves when it is ready, with its exit code and what its clean-up left. */
async function interrupted(signal: 'SIGTERM' | 'SIGINT') {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-interrupt-'));
  try {
    const script = `
      import { spawn } from 'node:child_process';
      import { writeFileSync } from 'node:fs';
      import { exitOnInterrupt } from ${JSON.stringify(interrupt)};
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      const exited = new Promise((resolve) =>
        child.once('exit', (code, signal) => resolve(writeFileSync(${JSON.stringify(join(dir, 'child'))}, String(signal)))),
      );
      exitOnInterrupt(() => child, async () => {
        // The clean-up waits for the child (5 s at most), so what it leaves says whether the child got the signal.
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        writeFileSync(${JSON.stringify(join(dir, 'cleaned'))}, 'yes');
      });
      console.log('ready');
      setTimeout(() => undefined, 60_000);
    `;
    const runner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => runner.stdout.once('data', () => resolve()));
    const code = new Promise<number | null>((resolve) => runner.once('exit', (c) => resolve(c)));
    runner.kill(signal);
    const exit = await code;
    return {
      exit,
      child: existsSync(join(dir, 'child')) ? readFileSync(join(dir, 'child'), 'utf8') : undefined,
      cleaned: existsSync(join(dir, 'cleaned')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('SIGTERM: the child gets SIGTERM, the clean-up runs to its end, the runner exits 143', async () => {
  assert.deepEqual(await interrupted('SIGTERM'), { exit: 143, child: 'SIGTERM', cleaned: true });
});

test('SIGINT: the child gets SIGINT, the clean-up runs to its end, the runner exits 130', async () => {
  assert.deepEqual(await interrupted('SIGINT'), { exit: 130, child: 'SIGINT', cleaned: true });
});
