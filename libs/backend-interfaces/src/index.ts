export { describeParseError, parseRequest, reasonForError, sessionKeyIdBytes } from './parse-request.js';
export type { ParseRequestResult } from './parse-request.js';
export { answerFor, answerHeader } from './answer.js';
export type {
  AnswerHeaderWire,
  AnswerResult,
  AppSKeyAnsBody,
  AppSKeyAnsWire,
  HomeNSAnsBody,
  HomeNSAnsWire,
  JoinAnsBody,
  JoinAnsWire,
  RejoinAnsBody,
  RejoinAnsWire,
  ResultWire,
  SessionKeysBody,
} from './answer.js';
export { parseAnswer } from './parse-answer.js';
export type { AnswerHeader, AppSKeyAns, BiAnswer, HomeNSAns, JoinAns, RejoinAns } from './parse-answer.js';
export type * from './messages.js';
export { buildKeyEnvelope, parseKeyEnvelope } from './key-envelope.js';
export type { KeyEnvelope, KeyEnvelopeWire } from './key-envelope.js';
export {
  chirpStackV4ResultCodes,
  isResultCodeOf,
  isResultReason,
  resultCodeFor,
  resultCodes10,
  resultCodes11,
  resultCodesFor,
  resultReasons,
} from './result-code.js';
export type { ResultCode, ResultCode10, ResultCode11, ResultReason } from './result-code.js';
export { isProtocolVersion, protocolVersions } from './protocol-version.js';
export type { ProtocolVersion } from './protocol-version.js';
export { macVersions, parseMacVersion } from './mac-version.js';
export type { MacVersion } from './mac-version.js';
export { answerTypeOf, answerTypes, knownMessageTypes, requestTypes } from './message-type.js';
export type { AnswerType, RequestType } from './message-type.js';
export { bytesToHex, hexToBytes, normalizeHex } from './hex.js';
export { biErrorCatalogue, biErrors } from './errors.js';
