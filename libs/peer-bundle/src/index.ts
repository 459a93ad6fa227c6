export {
  applicationServerBundleFiles,
  credentialFiles,
  networkServerBundleFiles,
  pemFile,
} from './peer-bundle.js';
export type {
  BundleFile,
  BundleFilesOptions,
  BundleOptions,
  RegisteredApplicationServer,
  RegisteredNetworkServer,
  RegisteredPeer,
} from './peer-bundle.js';
