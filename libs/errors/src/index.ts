export { JoineryError, defineErrors, errorKinds, isErrorKind } from './joinery-error.js';
export type { ErrorDetails, ErrorFactory, ErrorKind } from './joinery-error.js';
