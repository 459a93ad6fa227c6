import { JoineryError } from '@joinery/errors';
import { checkJoinRequestFrame, checkRejoinRequestFrame } from './activation-frame.js';
import { biErrorCatalogue, biErrors } from './errors.js';
import {
  fieldError,
  isJsonObject,
  readBytes,
  readHex,
  readInteger,
  readOptionalHex,
  readString,
  uint32Max,
  type FieldProblem,
  type JsonObject,
} from './fields.js';
import { hexToBytes, normalizeHex } from './hex.js';
import { isLoRaWAN11 } from '@joinery/lorawan';
import { parseMacVersion } from './mac-version.js';
import { knownMessageTypes, requestTypes } from './message-type.js';
import type {
  AnswerTarget,
  AppSKeyReq,
  ErrorNotif,
  HomeNSReq,
  IncomingMessage,
  JoinReq,
  MessageHeader,
  RejoinReq,
  VSExtension,
} from './messages.js';
import { isProtocolVersion, type ProtocolVersion } from './protocol-version.js';
import type { ResultReason } from './result-code.js';

/**
 * - `ok`: a typed request (or a BI 1.1 notification, which gets no answer).
 * - `answerable`: refused, but the header is good enough: answer HTTP 200 with `answerFor(target, reason)`.
 * - not answerable: not a BI message (not an object, a header field missing or mistyped, SenderID/ReceiverID that
 *   cannot be echoed as the typed IDs of an answer, or an answer/notification under BI 1.0): HTTP 400.
 */
export type ParseRequestResult =
  | { readonly ok: true; readonly message: IncomingMessage }
  | {
      readonly ok: false;
      readonly answerable: true;
      readonly target: AnswerTarget;
      readonly reason: ResultReason;
      readonly error: JoineryError;
    }
  | { readonly ok: false; readonly answerable: false; readonly error: JoineryError };

/**
 * The length of the SessionKeyIDs Joinery's Join Server issues (a ULID, as TTS's): an AppSKeyReq with any other length
 * cannot name one of its sessions and is refused as malformed.
 */
export const sessionKeyIdBytes = 16;

const problemWords: Readonly<Record<FieldProblem, string>> = {
  missing: 'is missing',
  not_object: 'is not a JSON object',
  not_string: 'is not a string',
  empty: 'is empty',
  not_hex: 'is not hexadecimal',
  wrong_length: 'has the wrong length',
  not_integer: 'is not an integer',
  out_of_range: 'is out of range',
  unsupported: 'has an unsupported value',
  not_allowed: 'is not allowed here',
  mismatch: 'does not match the other fields',
  wrong_message_type: 'is not a request a Join Server answers',
};

/**
 * A Description for the NS operator of why a message was refused by the parser, in words (`SessionKeyID has the
 * wrong length`): the field's BI name and the problem, never an internal error code, never a value from the message.
 */
export function describeParseError(err: unknown): string {
  if (!(err instanceof JoineryError)) return 'malformed message';
  const field = typeof err.details['field'] === 'string' ? err.details['field'] : '';
  const reason = err.details['reason'];
  const words =
    typeof reason === 'string' && Object.hasOwn(problemWords, reason)
      ? problemWords[reason as FieldProblem]
      : 'is invalid';
  return field === '' ? 'malformed message' : `${field} ${words}`;
}

/** The result reason of a `bi:*` error; any other error is `other`. */
export function reasonForError(err: unknown): ResultReason {
  if (!(err instanceof JoineryError) || !err.code.startsWith('bi:')) return 'other';
  const name = err.code.slice(3);
  return Object.hasOwn(biErrorCatalogue, name)
    ? biErrorCatalogue[name as keyof typeof biErrorCatalogue].reason
    : 'other';
}

function unanswerable(field: string, reason: FieldProblem): ParseRequestResult {
  return { ok: false, answerable: false, error: biErrors.not_a_message({ field, reason }) };
}

function tolerantHex(body: JsonObject, field: string, bytes?: number): string | undefined {
  try {
    return readOptionalHex(body, field, bytes);
  } catch {
    return undefined;
  }
}

function answerTypeFor(messageType: string, protocolVersion: string): string | undefined {
  if (messageType.endsWith('Req')) return `${messageType.slice(0, -3)}Ans`;
  // Answers and notifications sent to us cannot be answered in kind; BI 1.1 has ErrorNotif for exactly that.
  return protocolVersion === '1.1' ? 'ErrorNotif' : undefined;
}

/**
 * The entry point of the HTTP edge: `body` is the already JSON-parsed request body. Lenient in (hex case, `0x`,
 * `VSExtension: {}`, missing CFList, MACVersion spellings); never throws.
 */
export function parseRequest(body: unknown): ParseRequestResult {
  if (!isJsonObject(body))
    return {
      ok: false,
      answerable: false,
      error: biErrors.not_a_message({ field: '', reason: 'not_object' }),
    };
  let protocolVersion: string,
    messageType: string,
    transactionId: number,
    senderId: string,
    receiverId: string;
  try {
    protocolVersion = readString(body, 'ProtocolVersion');
    messageType = readString(body, 'MessageType');
    transactionId = readInteger(body, 'TransactionID', 0, uint32Max);
    senderId = readString(body, 'SenderID');
    receiverId = readString(body, 'ReceiverID');
  } catch (err) {
    return { ok: false, answerable: false, error: biErrors.not_a_message((err as JoineryError).details) };
  }
  if (protocolVersion === '1.1' && messageType === 'ErrorNotif') {
    try {
      return { ok: true, message: parseErrorNotif(body, parseHeader(body, protocolVersion, messageType)) };
    } catch (err) {
      return { ok: false, answerable: false, error: biErrors.not_a_message((err as JoineryError).details) };
    }
  }
  const answerType = answerTypeFor(messageType, protocolVersion);
  if (answerType === undefined) return unanswerable('MessageType', 'wrong_message_type');
  // The answer swaps SenderID and ReceiverID, and TTS decodes them as typed IDs (a JoinAns SenderID as an EUI-64,
  // its ReceiverID as a NetID): an answer is only worth sending when they are. Otherwise the edge returns 400.
  const jsRequest = (requestTypes as readonly string[]).includes(messageType);
  const sender = messageType === 'AppSKeyReq' ? senderId : normalizeHex(senderId);
  const receiver = normalizeHex(receiverId);
  if (sender === undefined) return unanswerable('SenderID', 'not_hex');
  if (receiver === undefined) return unanswerable('ReceiverID', 'not_hex');
  if (jsRequest ? receiver.length !== 16 : receiver.length !== 6 && receiver.length !== 16)
    return unanswerable('ReceiverID', 'wrong_length');
  if (jsRequest && messageType !== 'AppSKeyReq' && sender.length !== 6)
    return unanswerable('SenderID', 'wrong_length');

  // Built only when refusing: the tokens and NSID of a refused message are echoed if they are valid hex.
  const refuse = (error: JoineryError) => {
    const senderNsId = protocolVersion === '1.1' ? tolerantHex(body, 'SenderNSID', 8) : undefined;
    const senderToken = tolerantHex(body, 'SenderToken');
    const receiverToken = tolerantHex(body, 'ReceiverToken');
    const target: AnswerTarget = {
      protocolVersion,
      answerType,
      transactionId,
      senderId: sender,
      receiverId: receiver,
      ...(senderNsId === undefined ? {} : { senderNsId }),
      ...(senderToken === undefined ? {} : { senderToken }),
      ...(receiverToken === undefined ? {} : { receiverToken }),
    };
    return { ok: false, answerable: true, target, reason: reasonForError(error), error } as const;
  };

  if (!isProtocolVersion(protocolVersion))
    return refuse(biErrors.invalid_protocol_version({ field: 'ProtocolVersion', reason: 'unsupported' }));
  try {
    switch (messageType) {
      case 'JoinReq':
        return { ok: true, message: parseJoinReq(body, parseHeader(body, protocolVersion, messageType)) };
      case 'RejoinReq':
        return { ok: true, message: parseRejoinReq(body, parseHeader(body, protocolVersion, messageType)) };
      case 'AppSKeyReq':
        return { ok: true, message: parseAppSKeyReq(body, parseHeader(body, protocolVersion, messageType)) };
      case 'HomeNSReq':
        return { ok: true, message: parseHomeNSReq(body, parseHeader(body, protocolVersion, messageType)) };
      default:
        return refuse(
          knownMessageTypes(protocolVersion).includes(messageType)
            ? biErrors.unsupported_message_type({ field: 'MessageType', reason: 'not_allowed' })
            : biErrors.malformed_message({ field: 'MessageType', reason: 'unsupported' }),
        );
    }
  } catch (err) {
    return refuse(JoineryError.from(err));
  }
}

function parseVSExtension(body: JsonObject): VSExtension | undefined {
  const value = body['VSExtension'];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) return fieldError('VSExtension', 'not_object');
  const vendorId = typeof value['VendorID'] === 'string' ? normalizeHex(value['VendorID']) : undefined;
  return {
    ...(vendorId?.length === 6 ? { vendorId } : {}),
    ...(value['Object'] === undefined ? {} : { object: value['Object'] }),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// The typed forms are built by assignment into one object rather than by spreading partial objects: this is the
// hot path of every request, and spreads with conditional members cost about half of its time (bench/bi).
function parseHeader<T extends string>(
  body: JsonObject,
  protocolVersion: ProtocolVersion,
  messageType: T,
): Mutable<MessageHeader<T>> {
  // SenderID: an AS-ID is free text (and an ErrorNotif may come from an AS); every other sender of a JS request is
  // a network server (NetID, 3 bytes).
  const freeTextSender = messageType === 'AppSKeyReq' || messageType === 'ErrorNotif';
  const header: Mutable<MessageHeader<T>> = {
    protocolVersion,
    messageType,
    transactionId: readInteger(body, 'TransactionID', 0, uint32Max),
    senderId: freeTextSender ? readString(body, 'SenderID') : readHex(body, 'SenderID', 3),
    receiverId: readHex(body, 'ReceiverID', 8),
  };
  // TTS refuses SenderNSID under 1.0 and requires it under 1.1 for NS requests (server_authn.go). Whether it is
  // mandatory in 1.1 is unsettled (spec digest §9), so we only refuse it under 1.0 and leave binding it to the
  // caller to authorization.
  const senderNsId = readOptionalHex(body, 'SenderNSID', 8);
  if (senderNsId !== undefined) {
    if (protocolVersion === '1.0') fieldError('SenderNSID', 'not_allowed');
    header.senderNsId = senderNsId;
  }
  const senderToken = readOptionalHex(body, 'SenderToken');
  if (senderToken !== undefined) header.senderToken = senderToken;
  const receiverToken = readOptionalHex(body, 'ReceiverToken');
  if (receiverToken !== undefined) header.receiverToken = receiverToken;
  const vsExtension = parseVSExtension(body);
  if (vsExtension !== undefined) header.vsExtension = vsExtension;
  return header;
}

function parseActivationFields<T extends JoinReq | RejoinReq>(body: JsonObject, message: Mutable<T>): void {
  message.macVersion = parseMacVersion(readString(body, 'MACVersion'));
  message.phyPayload = readBytes(body, 'PHYPayload');
  message.devEui = readHex(body, 'DevEUI', 8);
  message.devAddr = readHex(body, 'DevAddr', 4);
  message.dlSettings = parseInt(readHex(body, 'DLSettings', 1), 16);
  message.rxDelay = readInteger(body, 'RxDelay', 0, 15);
  const cfList = readOptionalHex(body, 'CFList', 16);
  if (cfList !== undefined) message.cfList = hexToBytes(cfList);
  // OptNeg (DLSettings bit 7) is set by both TTS and ChirpStack exactly when MACVersion is 1.1.
  if (((message.dlSettings & 0x80) !== 0) !== isLoRaWAN11(message.macVersion))
    fieldError('DLSettings', 'mismatch', biErrors.mac_version_mismatch);
}

function parseJoinReq(body: JsonObject, header: Mutable<MessageHeader<'JoinReq'>>): JoinReq {
  const message = header as Mutable<JoinReq>;
  parseActivationFields(body, message);
  checkJoinRequestFrame(message.phyPayload, message.devEui, message.receiverId);
  return message;
}

function parseRejoinReq(body: JsonObject, header: Mutable<MessageHeader<'RejoinReq'>>): RejoinReq {
  const message = header as Mutable<RejoinReq>;
  parseActivationFields(body, message);
  // Rejoin-requests exist only for LoRaWAN 1.1 devices.
  if (!isLoRaWAN11(message.macVersion))
    fieldError('MACVersion', 'not_allowed', biErrors.unsupported_mac_version);
  message.rejoinType = checkRejoinRequestFrame(message.phyPayload, message.devEui, message.receiverId);
  return message;
}

function parseAppSKeyReq(body: JsonObject, header: Mutable<MessageHeader<'AppSKeyReq'>>): AppSKeyReq {
  const message = header as Mutable<AppSKeyReq>;
  message.devEui = readHex(body, 'DevEUI', 8);
  message.sessionKeyId = readHex(body, 'SessionKeyID', sessionKeyIdBytes);
  return message;
}

function parseHomeNSReq(body: JsonObject, header: Mutable<MessageHeader<'HomeNSReq'>>): HomeNSReq {
  const message = header as Mutable<HomeNSReq>;
  message.devEui = readHex(body, 'DevEUI', 8);
  return message;
}

function parseErrorNotif(body: JsonObject, header: Mutable<MessageHeader<'ErrorNotif'>>): ErrorNotif {
  const message = header as Mutable<ErrorNotif>;
  const result = body['Result'];
  if (isJsonObject(result) && typeof result['ResultCode'] === 'string') {
    const description = result['Description'];
    message.result = {
      resultCode: result['ResultCode'],
      ...(typeof description === 'string' && description !== '' ? { description } : {}),
    };
  }
  return message;
}
