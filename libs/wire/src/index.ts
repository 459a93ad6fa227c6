export { macVersionFromProto, macVersionToProto } from './mac-version.js';
export { reasonByErrorCode, reasonOfErrorCode, resultCodeOfErrorCode } from './error-reasons.js';
export {
  claimsErrorCatalogue,
  claimsErrors,
  descriptionByErrorCode,
  errorRegistry,
  gatewayErrorCatalogue,
  gatewayErrors,
  grpcErrorCatalogue,
  grpcErrors,
  joinRefusalCodes,
  keysErrorCatalogue,
  keysErrors,
  travellingErrorCodes,
} from './error-codes.js';
export type { KeysTravellingError, TravellingError, TravellingErrorCode } from './error-codes.js';
export type { DevNonceReset } from './dev-nonce-reset.js';
