import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { infraErrors } from './errors.js';

const execFileAsync = promisify(execFile);

/** The absolute path of an executable on PATH (and the sbin dirs, which non-login shells often lack), or undefined. */
export function findExecutable(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  const dirs = [
    ...pathVar.split(delimiter),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Prerequisite {
  /** What it is for, in messages: `Redis`. */
  purpose: string;
  binary: string;
  /** The Debian/Ubuntu package that provides it. */
  debianPackage: string;
  /** How to install it elsewhere, for the error message. */
  otherwise: string;
}

export function installHint(p: Prerequisite): string {
  return `install it with \`sudo apt-get install -y ${p.debianPackage}\` (Debian/Ubuntu) or ${p.otherwise}`;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
let aptUpdated: Promise<void> | undefined;

/**
 * The path of `p.binary`, installing its Debian package first when it is missing and we are root on a system with
 * apt-get (`apt-get update` once per process). Otherwise `testing:prerequisite_missing` says how to install it.
 */
export async function ensureExecutable(
  p: Prerequisite,
  log: (line: string) => void,
  system: { root: boolean; aptGet: string | undefined } = {
    root: isRoot(),
    aptGet: findExecutable('apt-get'),
  },
): Promise<string> {
  const found = findExecutable(p.binary);
  if (found) return found;
  const { aptGet } = system;
  if (!aptGet || !system.root) {
    throw infraErrors.prerequisite_missing(
      { binary: p.binary, package: p.debianPackage },
      `${p.purpose} needs \`${p.binary}\`, which is not installed: ${installHint(p)}; ` +
        `or provide your own (see libs/testing/README.md)`,
    );
  }
  log(`${p.binary} not found: installing the Debian package ${p.debianPackage} (one-time)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // apt serialises itself with its own lock; wait for it instead of failing when another run installs too.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  try {
    aptUpdated ??= execFileAsync(aptGet, ['update', '-q', ...lockWait], { env, maxBuffer: 16 << 20 }).then(
      () => undefined,
    );
    await aptUpdated;
    await execFileAsync(
      aptGet,
      ['install', '-y', '-q', '--no-install-recommends', ...lockWait, p.debianPackage],
      {
        env,
        maxBuffer: 16 << 20,
      },
    );
  } catch (err) {
    aptUpdated = undefined;
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw infraErrors.prerequisite_missing(
      { binary: p.binary, package: p.debianPackage },
      `${p.purpose} needs \`${p.binary}\`; \`apt-get install ${p.debianPackage}\` failed: ${stderr.trim().split('\n').slice(-3).join(' ')}; ${installHint(p)}`,
      err,
    );
  }
  const installed = findExecutable(p.binary);
  if (!installed) {
    throw infraErrors.prerequisite_missing(
      { binary: p.binary, package: p.debianPackage },
      `${p.purpose}: installed ${p.debianPackage} but \`${p.binary}\` is still not on PATH; ${installHint(p)}`,
    );
  }
  return installed;
}
