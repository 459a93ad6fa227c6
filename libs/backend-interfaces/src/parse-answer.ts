import type { JoinAnsBody, RejoinAnsBody } from './answer.js';
import { biErrors } from './errors.js';
import {
  fieldError,
  isJsonObject,
  readHex,
  readInteger,
  readOptionalHex,
  readOptionalInteger,
  readOptionalString,
  readString,
  uint32Max,
  type JsonObject,
} from './fields.js';
import { hexToBytes } from './hex.js';
import { parseKeyEnvelope, type KeyEnvelope } from './key-envelope.js';
import type { AnswerType } from './message-type.js';
import { isProtocolVersion, type ProtocolVersion } from './protocol-version.js';
import { isResultCodeOf, type ResultCode } from './result-code.js';

export interface AnswerHeader<T extends AnswerType> {
  readonly protocolVersion: ProtocolVersion;
  readonly messageType: T;
  readonly transactionId: number;
  /** The JoinEUI (upper-case hex). */
  readonly senderId: string;
  /** NetID (upper-case hex), or the AS-ID verbatim in an AppSKeyAns. */
  readonly receiverId: string;
  readonly receiverNsId?: string;
  readonly senderToken?: string;
  readonly receiverToken?: string;
  readonly result: { readonly resultCode: ResultCode; readonly description?: string };
}

/** A JoinAns/RejoinAns carries the session keys `answerFor` sends, each one optional here (a refusal has none). */
export interface JoinAns extends AnswerHeader<'JoinAns'>, Partial<JoinAnsBody> {}
export interface RejoinAns extends AnswerHeader<'RejoinAns'>, Partial<RejoinAnsBody> {}
export interface AppSKeyAns extends AnswerHeader<'AppSKeyAns'> {
  /** Always present on Success. */
  readonly devEui?: string;
  readonly appSKey?: KeyEnvelope;
  /** Always present on Success. */
  readonly sessionKeyId?: string;
}
export interface HomeNSAns extends AnswerHeader<'HomeNSAns'> {
  readonly hNetId?: string;
  readonly hNsId?: string;
}
export type BiAnswer = JoinAns | RejoinAns | AppSKeyAns | HomeNSAns;

function optionalEnvelope(body: JsonObject, field: string): { [field: string]: KeyEnvelope } {
  const value = body[field];
  return value === undefined || value === null ? {} : { [field]: parseKeyEnvelope(value, field) };
}

function parseAnswerHeader<T extends AnswerType>(body: JsonObject, messageType: T): AnswerHeader<T> {
  const protocolVersion = readString(body, 'ProtocolVersion');
  if (!isProtocolVersion(protocolVersion))
    return fieldError('ProtocolVersion', 'unsupported', biErrors.invalid_protocol_version);
  const receiverId =
    messageType === 'AppSKeyAns' ? readString(body, 'ReceiverID') : readHex(body, 'ReceiverID', 3);
  const receiverNsId = readOptionalHex(body, 'ReceiverNSID', 8);
  if (receiverNsId !== undefined && protocolVersion === '1.0') fieldError('ReceiverNSID', 'not_allowed');
  const senderToken = readOptionalHex(body, 'SenderToken');
  const receiverToken = readOptionalHex(body, 'ReceiverToken');
  const result = body['Result'];
  if (!isJsonObject(result)) return fieldError('Result', result === undefined ? 'missing' : 'not_object');
  const resultCode = result['ResultCode'];
  if (!isResultCodeOf(protocolVersion, resultCode)) return fieldError('Result.ResultCode', 'unsupported');
  const description = readOptionalString(result, 'Description');
  return {
    protocolVersion,
    messageType,
    transactionId: readInteger(body, 'TransactionID', 0, uint32Max),
    senderId: readHex(body, 'SenderID', 8),
    receiverId,
    ...(receiverNsId === undefined ? {} : { receiverNsId }),
    ...(senderToken === undefined ? {} : { senderToken }),
    ...(receiverToken === undefined ? {} : { receiverToken }),
    result: { resultCode, ...(description === undefined ? {} : { description }) },
  };
}

function parseSessionKeys(body: JsonObject, success: boolean): Partial<JoinAnsBody> {
  const phyPayload = success
    ? readHex(body, 'PHYPayload', [17, 33])
    : readOptionalHex(body, 'PHYPayload', [17, 33]);
  const lifetime = readOptionalInteger(body, 'Lifetime', 0, uint32Max);
  const sessionKeyId = readOptionalHex(body, 'SessionKeyID');
  const { NwkSKey, FNwkSIntKey, SNwkSIntKey, NwkSEncKey, AppSKey } = {
    ...optionalEnvelope(body, 'NwkSKey'),
    ...optionalEnvelope(body, 'FNwkSIntKey'),
    ...optionalEnvelope(body, 'SNwkSIntKey'),
    ...optionalEnvelope(body, 'NwkSEncKey'),
    ...optionalEnvelope(body, 'AppSKey'),
  };
  if (success && NwkSKey === undefined && FNwkSIntKey === undefined) fieldError('NwkSKey', 'missing');
  if (success && AppSKey === undefined && sessionKeyId === undefined) fieldError('AppSKey', 'missing');
  return {
    ...(phyPayload === undefined ? {} : { phyPayload: hexToBytes(phyPayload) }),
    ...(lifetime === undefined ? {} : { lifetime }),
    ...(NwkSKey === undefined ? {} : { nwkSKey: NwkSKey }),
    ...(FNwkSIntKey === undefined ? {} : { fNwkSIntKey: FNwkSIntKey }),
    ...(SNwkSIntKey === undefined ? {} : { sNwkSIntKey: SNwkSIntKey }),
    ...(NwkSEncKey === undefined ? {} : { nwkSEncKey: NwkSEncKey }),
    ...(AppSKey === undefined ? {} : { appSKey: AppSKey }),
    ...(sessionKeyId === undefined ? {} : { sessionKeyId }),
  };
}

/**
 * Parses an answer (what an NS or AS receives from a Join Server): used to check that our own answers re-parse and
 * by tests acting as a network server. Mandatory-on-success fields are enforced; throws a `bi:*` JoineryError.
 */
export function parseAnswer(body: unknown): BiAnswer {
  if (!isJsonObject(body)) return fieldError('', 'not_object', biErrors.not_a_message);
  const messageType = readString(body, 'MessageType');
  switch (messageType) {
    case 'JoinAns': {
      const header = parseAnswerHeader(body, messageType);
      return { ...header, ...parseSessionKeys(body, header.result.resultCode === 'Success') };
    }
    case 'RejoinAns': {
      const header = parseAnswerHeader(body, messageType);
      const { nwkSKey, ...keys } = parseSessionKeys(body, header.result.resultCode === 'Success');
      if (nwkSKey !== undefined) fieldError('NwkSKey', 'not_allowed');
      return { ...header, ...keys };
    }
    case 'AppSKeyAns': {
      const header = parseAnswerHeader(body, messageType);
      const success = header.result.resultCode === 'Success';
      const { AppSKey } = optionalEnvelope(body, 'AppSKey');
      if (success && AppSKey === undefined) fieldError('AppSKey', 'missing');
      // A JS echoes both whenever it could parse them; an answer to a malformed AppSKeyReq may lack them.
      const devEui = success ? readHex(body, 'DevEUI', 8) : readOptionalHex(body, 'DevEUI', 8);
      const sessionKeyId = success ? readHex(body, 'SessionKeyID') : readOptionalHex(body, 'SessionKeyID');
      return {
        ...header,
        ...(devEui === undefined ? {} : { devEui }),
        ...(AppSKey === undefined ? {} : { appSKey: AppSKey }),
        ...(sessionKeyId === undefined ? {} : { sessionKeyId }),
      };
    }
    case 'HomeNSAns': {
      const header = parseAnswerHeader(body, messageType);
      const hNetId =
        header.result.resultCode === 'Success'
          ? readHex(body, 'HNetID', 3)
          : readOptionalHex(body, 'HNetID', 3);
      const hNsId = readOptionalHex(body, 'HNSID', 8);
      if (hNsId !== undefined && header.protocolVersion === '1.0') fieldError('HNSID', 'not_allowed');
      return {
        ...header,
        ...(hNetId === undefined ? {} : { hNetId }),
        ...(hNsId === undefined ? {} : { hNsId }),
      };
    }
    default:
      return fieldError('MessageType', 'unsupported', biErrors.unsupported_message_type);
  }
}
