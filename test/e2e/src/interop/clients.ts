// Builds the real-client interop programs of test/e2e/interop/clients (ChirpStack v3's Go client, ChirpStack v4's
// Rust codec) once into the cache directory, outside the repository; later builds are incremental (Go's build cache,
// Cargo's target directory) and need no network once the modules and crates have been fetched.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientsDir = fileURLToPath(new URL('../../interop/clients/', import.meta.url));

/** `$JOINERY_CACHE_DIR/interop`, else `$XDG_CACHE_HOME/joinery/interop`, else `~/.cache/joinery/interop`. */
export function interopCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root =
    env['JOINERY_CACHE_DIR'] ??
    (env['XDG_CACHE_HOME'] ? join(env['XDG_CACHE_HOME'], 'joinery') : join(homedir(), '.cache', 'joinery'));
  return join(root, 'interop');
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const started = Date.now();
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started }));
  });
}

async function build(what: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = await run(cmd, args, { cwd, env });
  if (r.code !== 0) throw new Error(`building ${what} failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
}

/** `go build` of the ChirpStack v3 program; returns the binary's path. */
export async function buildGoClient(): Promise<string> {
  const dir = interopCacheDir();
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'chirpstack-v3-interop');
  await build(
    'the ChirpStack v3 client (go)',
    'go',
    ['build', '-mod=readonly', '-o', out, '.'],
    join(clientsDir, 'go'),
    {},
  );
  return out;
}

/** `cargo build --locked` of the ChirpStack v4 program; returns the binary's path. */
export async function buildRustClient(): Promise<string> {
  const target = join(interopCacheDir(), 'rust-target');
  mkdirSync(target, { recursive: true });
  await build(
    'the ChirpStack v4 client (rust)',
    'cargo',
    ['build', '--locked', '--quiet'],
    join(clientsDir, 'rust'),
    {
      CARGO_TARGET_DIR: target,
    },
  );
  return join(target, 'debug', 'chirpstack-v4-interop');
}

/** One line a program prints per step. */
export interface StepResult {
  readonly devEui: string;
  readonly macVersion: string;
  readonly step: 'join' | 'rejoin0' | 'rejoin2';
  readonly ok: boolean;
  readonly error?: string;
}

/** Runs a program on a plan (written to `planFile`); its step results, or a throw naming what it printed. */
export async function runPlan(binary: string, planFile: string): Promise<StepResult[]> {
  const r = await run(binary, [planFile]);
  if (r.code !== 0) throw new Error(`${binary} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as StepResult);
}
