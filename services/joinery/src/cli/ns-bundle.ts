import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  applicationServerBundleFiles,
  credentialFiles,
  networkServerBundleFiles,
  type BundleFile,
  type BundleOptions,
  type RegisteredApplicationServer,
  type RegisteredNetworkServer,
} from '@joinery/peer-bundle';

export { credentialFiles, pemFile } from '@joinery/peer-bundle';
export type {
  BundleOptions,
  RegisteredApplicationServer,
  RegisteredNetworkServer,
} from '@joinery/peer-bundle';

/** The credentials files already in `dir` (empty: the bundle may be written there). */
export function existingCredentialFiles(dir: string): string[] {
  return credentialFiles.filter((name) => existsSync(join(dir, name)));
}

/**
 * Writes a bundle's files into `root`, refused when it already holds credentials: each file is created exclusively
 * (secrets 0600, folders 0700). Returns the paths written.
 */
function writeBundle(root: string, files: (root: string) => BundleFile[]): string[] {
  const existing = existingCredentialFiles(root);
  if (existing.length > 0)
    throw new Error(`${root} already holds credentials (${existing.join(', ')}); give an empty folder`);
  const written: string[] = [];
  for (const file of files(root)) {
    const path = join(root, file.name);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(path, file.content, { mode: file.secret ? 0o600 : 0o644, flag: 'wx' });
    written.push(path);
  }
  return written;
}

/**
 * Writes an NS's credentials bundle into `dir` (`networkServerBundleFiles` in @joinery/peer-bundle: the PEM files,
 * the bearer token and KEK with mode 0600, and The Things Stack and ChirpStack configuration). Refuses (throws) when
 * `dir` already holds credentials; every file is created exclusively. Returns the files.
 */
export function writeNetworkServerBundle(
  dir: string,
  ns: RegisteredNetworkServer,
  options: BundleOptions,
): string[] {
  return writeBundle(resolve(dir), (root) => networkServerBundleFiles(ns, { ...options, root }));
}

/**
 * Writes an AS's credentials bundle into `dir` (`applicationServerBundleFiles`). Refuses (throws) when `dir` already
 * holds credentials.
 */
export function writeApplicationServerBundle(
  dir: string,
  as: RegisteredApplicationServer,
  options: Omit<BundleOptions, 'asyncTimeout'>,
): string[] {
  return writeBundle(resolve(dir), (root) => applicationServerBundleFiles(as, { ...options, root }));
}
