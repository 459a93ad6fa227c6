export { macVersionFromProto, macVersionToProto } from './mac-version.js';
export { reasonByErrorCode, reasonOfErrorCode, resultCodeOfErrorCode } from './error-reasons.js';
