import type { ProtocolVersion } from './protocol-version.js';

/** Requests a Join Server serves. */
export const requestTypes = ['JoinReq', 'RejoinReq', 'AppSKeyReq', 'HomeNSReq'] as const;
export type RequestType = (typeof requestTypes)[number];

export const answerTypes = ['JoinAns', 'RejoinAns', 'AppSKeyAns', 'HomeNSAns'] as const;
export type AnswerType = (typeof answerTypes)[number];

export type AnswerTypeOf<T extends RequestType> = T extends `${infer Base}Req` ? `${Base}Ans` : never;

/** NS↔NS roaming messages: recognised only so that a Join Server can refuse them with the right answer. */
const nsToNsTypes = [
  'PRStartReq',
  'PRStartAns',
  'PRStopReq',
  'PRStopAns',
  'HRStartReq',
  'HRStartAns',
  'HRStopReq',
  'HRStopAns',
  'ProfileReq',
  'ProfileAns',
  'XmitDataReq',
  'XmitDataAns',
] as const;

/** Messages that exist only in BI 1.1 (`XmitLoc*` as listed by TTS `pkg/interop`). */
const messageTypes11Only = ['ErrorNotif', 'PRStartNotif', 'XmitLocReq', 'XmitLocAns'] as const;

/** Every MessageType the given BI version defines. */
export function knownMessageTypes(version: ProtocolVersion): readonly string[] {
  const common = [...requestTypes, ...answerTypes, ...nsToNsTypes];
  return version === '1.0' ? common : [...common, ...messageTypes11Only];
}

export function answerTypeOf<T extends RequestType>(type: T): AnswerTypeOf<T> {
  return `${type.slice(0, -3)}Ans` as AnswerTypeOf<T>;
}
