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
} from './peer-bundle.js';
