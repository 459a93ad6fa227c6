export {
  JoineryError,
  defineErrors,
  errorKinds,
  internalMessage,
  isErrorKind,
  safeError,
} from './joinery-error.js';
export type { ErrorDetails, ErrorEntry, ErrorFactory, ErrorKind, SafeError } from './joinery-error.js';
