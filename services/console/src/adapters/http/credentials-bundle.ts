import {
  applicationServerBundleFiles,
  networkServerBundleFiles,
  type BundleFile,
  type RegisteredApplicationServer,
  type RegisteredNetworkServer,
} from '@joinery/peer-bundle';
import { zipSync, type Zippable } from 'fflate';

/**
 * What the console keeps (sealed, in claims) for a bundle's one download: the show-once answer of the registration
 * or rotation. The archive is rendered from it at download time, so it names the JoinEUIs the account has then.
 */
export type StoredRegistration =
  | {
      readonly v: 1;
      readonly kind: 'network-server';
      readonly answer: RegisteredNetworkServer;
      readonly asyncTimeout?: string;
    }
  | { readonly v: 1; readonly kind: 'application-server'; readonly answer: RegisteredApplicationServer };

export const encodeRegistration = (r: StoredRegistration): Uint8Array =>
  new Uint8Array(Buffer.from(JSON.stringify(r), 'utf8'));

export function decodeRegistration(bytes: Uint8Array): StoredRegistration {
  const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredRegistration;
  if (value.v !== 1) throw new Error('unknown bundle record version');
  return value;
}

/** The folder the configuration files name when the download does not say (`?dir=`). */
export const defaultBundleFolder = (peerId: string) => `/etc/joinery/${peerId}`;

/** The bundle's files, as `joinery ns register --out <root>` / `joinery as register --out <root>` writes them. */
export function bundleFilesOf(
  stored: StoredRegistration,
  options: { readonly biUrl: string; readonly joinEuiPrefixes: readonly string[]; readonly root: string },
): BundleFile[] {
  return stored.kind === 'network-server'
    ? networkServerBundleFiles(stored.answer, {
        ...options,
        ...(stored.asyncTimeout === undefined ? {} : { asyncTimeout: stored.asyncTimeout }),
      })
    : applicationServerBundleFiles(stored.answer, options);
}

/** Unix file modes in the archive: secrets 0600, the rest 0644 (`unzip` and most tools restore them). */
const modeOf = (file: BundleFile) => (file.secret ? 0o100600 : 0o100644);

/** One zip archive of the files (deflated). */
export function zipBundle(files: readonly BundleFile[]): Uint8Array {
  const entries: Zippable = {};
  for (const file of files)
    entries[file.name] = [
      new Uint8Array(Buffer.from(file.content, 'utf8')),
      { level: 6, os: 3, attrs: modeOf(file) << 16 },
    ];
  return zipSync(entries);
}
