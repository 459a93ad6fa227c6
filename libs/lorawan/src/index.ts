// The public API of @joinery/lorawan, picked by hand: value types, the PHY codec, the MIC and key-derivation
// input blocks (usable inside an HSM), and the software crypto (AES-CMAC, RFC 3394 key wrap, derivations).
export { lorawanErrors } from './errors.js';
export { parseHex, toHex, reversed, bytesEqual } from './hex.js';

export { EUI64 } from './eui64.js';
export { NetID, nwkIdBitsByType } from './net-id.js';
export { DevAddr } from './dev-addr.js';
export { AES128Key } from './aes128-key.js';
export { DevNonce } from './dev-nonce.js';
export { JoinNonce } from './join-nonce.js';

export { aesEcbEncrypt, aesEcbDecrypt } from './aes.js';
export type { AesKey } from './aes.js';
export { aesCmac, aesCmacSubkeys, cmacMic } from './aes-cmac.js';
export type { CmacSubkeys } from './aes-cmac.js';
export { keyWrap, keyUnwrap, keyUnwrapAes128 } from './key-wrap.js';

export { KeyPrefix, sessionKeyBlock10, sessionKeyBlock11, jsKeyBlock } from './key-derivation-blocks.js';
export type { SessionKeyPrefix10, SessionKeyPrefix11, JsKeyPrefix } from './key-derivation-blocks.js';

export { MType, majorR1, mhdrFor, checkMhdr } from './mhdr.js';
export { encodeDLSettings, decodeDLSettings } from './dl-settings.js';
export type { DLSettings } from './dl-settings.js';
export { encodeCFList, decodeCFList } from './cf-list.js';
export type { CFList } from './cf-list.js';
export {
  joinRequestMicInput,
  encodeJoinRequest,
  decodeJoinRequest,
  joinRequestLength,
} from './join-request.js';
export type { JoinRequest, DecodedJoinRequest } from './join-request.js';
export {
  rejoinMicInput,
  encodeRejoinRequest,
  decodeRejoinRequest,
  rejoinRequestLength,
} from './rejoin-request.js';
export type { RejoinRequest, DecodedRejoinRequest } from './rejoin-request.js';
export { joinFrameCounter } from './join-frame-counter.js';
export {
  JoinReqType,
  joinAcceptMhdr,
  joinAcceptBody,
  joinAcceptMicInput10,
  joinAcceptMicInput11,
  joinAcceptPlaintext,
  decodeJoinAcceptPlaintext,
  encodeJoinAcceptPhy,
  decodeJoinAcceptPhy,
} from './join-accept.js';
export type { JoinAcceptFields, JoinAccept } from './join-accept.js';

export {
  macVersions,
  macVersionFacts,
  macVersionAliases,
  macVersionNamed,
  isMacVersion,
  isLoRaWAN11,
  devNonceStyle,
  factsOf,
} from './mac-version.js';
export type { MacVersion, MacVersionFacts } from './mac-version.js';
export {
  joinRequestMic,
  verifyJoinRequestMic,
  rejoinMic,
  verifyRejoinMic,
  joinAcceptMic10,
  joinAcceptMic11,
} from './mic.js';
export { deriveSessionKeys10, deriveSessionKeys11, deriveJsKeys } from './session-keys.js';
export type { SessionKeys10, SessionKeys11, JsKeys } from './session-keys.js';
export {
  encryptJoinAccept,
  decryptJoinAccept,
  deriveSessionKeys,
  buildJoinAccept,
  openJoinAccept,
} from './join-accept-crypto.js';
export type {
  SessionKeys,
  JoinCryptoContext,
  BuiltJoinAccept,
  OpenedJoinAccept,
} from './join-accept-crypto.js';
export { parseTr005, formatTr005 } from './tr005.js';
export type { Tr005Code } from './tr005.js';
export { composeJoinAccept, joinRequestMicValid, rejoinType1MicValid, softwareKeyOps } from './key-ops.js';
export type {
  ComposedJoinAccept,
  DerivedKeyUse,
  JoinAcceptScheme,
  KeyOps,
  RootKeyHandles,
  SessionKeyHandles,
} from './key-ops.js';
