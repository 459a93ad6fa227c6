import type { ProtocolVersion } from './protocol-version.js';

/** BI 1.0 Table 24 (BI10 §22.4), exact spellings, including the spec's `UnkownReceiver`. */
export const resultCodes10 = [
  'Success',
  'MICFailed',
  'JoinReqFailed',
  'NoRoamingAgreement',
  'DevRoamingDisallowed',
  'RoamingActDisallowed',
  'ActivationDisallowed',
  'UnknownDevEUI',
  'UnknownDevAddr',
  'UnknownSender',
  'UnkownReceiver',
  'Deferred',
  'XmitFailed',
  'InvalidFPort',
  'InvalidProtocolVersion',
  'StaleDeviceProfile',
  'MalformedRequest',
  'FrameSizeError',
  'Other',
] as const;

/** BI 1.1: `MalformedRequest` is renamed `MalformedMessage`; `FrameReplayed` and `NoAction` are added; `UnkownReceiver` stays. */
export const resultCodes11 = [
  ...resultCodes10.filter(
    (code): code is Exclude<ResultCode10, 'MalformedRequest'> => code !== 'MalformedRequest',
  ),
  'MalformedMessage',
  'FrameReplayed',
  'NoAction',
] as const;

export type ResultCode10 = (typeof resultCodes10)[number];
export type ResultCode11 =
  Exclude<ResultCode10, 'MalformedRequest'> | 'MalformedMessage' | 'FrameReplayed' | 'NoAction';
export type ResultCode = ResultCode10 | ResultCode11;

/**
 * What ChirpStack v4 can deserialise (`backend/src/lib.rs`, a closed serde enum). Every BI 1.0 code is in it, and
 * ChirpStack always sends ProtocolVersion "1.0", so answering in the request's version keeps ChirpStack parsing.
 */
export const chirpStackV4ResultCodes: readonly string[] = [...resultCodes10, 'UnknownReceiver'];

export function resultCodesFor(version: ProtocolVersion): readonly ResultCode[] {
  return version === '1.0' ? resultCodes10 : resultCodes11;
}

export function isResultCodeOf(version: ProtocolVersion, value: unknown): value is ResultCode {
  return typeof value === 'string' && (resultCodesFor(version) as readonly string[]).includes(value);
}

/** Internal outcomes the Join Server distinguishes; the edge turns them into a ResultCode per protocol version. */
export const resultReasons = [
  'success',
  'malformed',
  'unsupported_message_type',
  'frame_size',
  'invalid_protocol_version',
  'mic_failed',
  'unknown_device',
  'unknown_session',
  'dev_nonce_replayed',
  'unknown_sender',
  'unknown_receiver',
  'no_roaming_agreement',
  'activation_disallowed',
  'join_nonce_exhausted',
  'unsupported_mac_version',
  'mac_version_mismatch',
  'join_failed',
  'deferred',
  'no_action',
  'other',
] as const;
export type ResultReason = (typeof resultReasons)[number];

/**
 * The one table from reason to ResultCode: `[BI 1.0, BI 1.1]`. BI 1.0 never gets `MalformedMessage`,
 * `FrameReplayed` or `NoAction` (ChirpStack v4 cannot parse them): a replayed DevNonce is `JoinReqFailed` and
 * `NoAction` becomes `Other` under 1.0 (spec digest §4, §7.3).
 */
const resultCodeTable = {
  success: ['Success', 'Success'],
  malformed: ['MalformedRequest', 'MalformedMessage'],
  unsupported_message_type: ['MalformedRequest', 'MalformedMessage'],
  frame_size: ['FrameSizeError', 'FrameSizeError'],
  invalid_protocol_version: ['InvalidProtocolVersion', 'InvalidProtocolVersion'],
  mic_failed: ['MICFailed', 'MICFailed'],
  unknown_device: ['UnknownDevEUI', 'UnknownDevEUI'],
  unknown_session: ['UnknownDevEUI', 'UnknownDevEUI'],
  dev_nonce_replayed: ['JoinReqFailed', 'FrameReplayed'],
  unknown_sender: ['UnknownSender', 'UnknownSender'],
  unknown_receiver: ['UnkownReceiver', 'UnkownReceiver'],
  no_roaming_agreement: ['NoRoamingAgreement', 'NoRoamingAgreement'],
  activation_disallowed: ['ActivationDisallowed', 'ActivationDisallowed'],
  join_nonce_exhausted: ['JoinReqFailed', 'JoinReqFailed'],
  unsupported_mac_version: ['JoinReqFailed', 'JoinReqFailed'],
  mac_version_mismatch: ['JoinReqFailed', 'JoinReqFailed'],
  join_failed: ['JoinReqFailed', 'JoinReqFailed'],
  deferred: ['Deferred', 'Deferred'],
  no_action: ['Other', 'NoAction'],
  other: ['Other', 'Other'],
} as const satisfies Record<ResultReason, readonly [ResultCode10, ResultCode11]>;

export function resultCodeFor(reason: ResultReason, version: ProtocolVersion): ResultCode {
  const [v10, v11] = resultCodeTable[reason];
  return version === '1.0' ? v10 : v11;
}

export function isResultReason(value: unknown): value is ResultReason {
  return typeof value === 'string' && (resultReasons as readonly string[]).includes(value);
}
