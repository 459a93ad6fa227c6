import { biErrors } from './errors.js';
import { bytesToHex, normalizeHex } from './hex.js';
import { buildKeyEnvelope, type KeyEnvelope, type KeyEnvelopeWire } from './key-envelope.js';
import { isLoRaWAN11 } from '@joinery/lorawan';
import { answerTypeOf } from './message-type.js';
import type { AnswerTarget, AppSKeyReq, BiRequest, HomeNSReq, JoinReq, RejoinReq } from './messages.js';
import { isProtocolVersion } from './protocol-version.js';
import { resultCodeFor, type ResultCode, type ResultReason } from './result-code.js';
import { uint32Max } from './fields.js';

/** `Result` on the wire; `Description` is omitted when empty (TTS and ChirpStack do the same). */
export interface ResultWire {
  readonly ResultCode: ResultCode;
  readonly Description?: string;
}

/** The answer header (spec digest §2.3). Optional fields are omitted, never `null` or `""`. */
export interface AnswerHeaderWire {
  readonly ProtocolVersion: string;
  readonly SenderID: string;
  readonly ReceiverID: string;
  readonly TransactionID: number;
  readonly MessageType: string;
  readonly ReceiverNSID?: string;
  readonly SenderToken?: string;
  readonly ReceiverToken?: string;
  readonly Result: ResultWire;
}

interface SessionKeysWire {
  readonly PHYPayload?: string;
  readonly Lifetime?: number;
  readonly FNwkSIntKey?: KeyEnvelopeWire;
  readonly SNwkSIntKey?: KeyEnvelopeWire;
  readonly NwkSEncKey?: KeyEnvelopeWire;
  readonly AppSKey?: KeyEnvelopeWire;
  readonly SessionKeyID?: string;
}

export interface JoinAnsWire extends AnswerHeaderWire, SessionKeysWire {
  readonly MessageType: 'JoinAns';
  readonly NwkSKey?: KeyEnvelopeWire;
}

export interface RejoinAnsWire extends AnswerHeaderWire, SessionKeysWire {
  readonly MessageType: 'RejoinAns';
}

export interface AppSKeyAnsWire extends AnswerHeaderWire {
  readonly MessageType: 'AppSKeyAns';
  readonly DevEUI: string;
  readonly AppSKey?: KeyEnvelopeWire;
  readonly SessionKeyID: string;
}

export interface HomeNSAnsWire extends AnswerHeaderWire {
  readonly MessageType: 'HomeNSAns';
  readonly HNetID?: string;
  readonly HNSID?: string;
}

/** What a successful JoinAns/RejoinAns carries. Send only the key set that matches the request's MACVersion. */
export interface SessionKeysBody {
  /** MHDR 0x20 + the encrypted join-accept (17 or 33 bytes). */
  readonly phyPayload: Uint8Array;
  /** Seconds; 0 (the default) is the de-facto "no limit" (spec digest §3.1). */
  readonly lifetime?: number;
  readonly fNwkSIntKey?: KeyEnvelope;
  readonly sNwkSIntKey?: KeyEnvelope;
  readonly nwkSEncKey?: KeyEnvelope;
  /** Needed unless `sessionKeyId` is given. Leave out `sessionKeyId` for ChirpStack to keep decrypting payloads. */
  readonly appSKey?: KeyEnvelope;
  /** Hex. */
  readonly sessionKeyId?: string;
}

export interface JoinAnsBody extends SessionKeysBody {
  /** LoRaWAN 1.0.x only. */
  readonly nwkSKey?: KeyEnvelope;
}

export type RejoinAnsBody = SessionKeysBody;

export interface AppSKeyAnsBody {
  readonly appSKey: KeyEnvelope;
}

export interface HomeNSAnsBody {
  /** The device's home NetID (hex, 3 bytes). */
  readonly hNetId: string;
  /** The home NS's NSID (hex, 8 bytes); sent only under BI 1.1. */
  readonly hNsId?: string;
}

/** A reason, optionally with a human-readable `Description` (no secrets). */
export type AnswerResult = ResultReason | { readonly reason: ResultReason; readonly description?: string };

function incomplete(field: string, reason: string): never {
  throw biErrors.incomplete_answer({ field, reason });
}

/** An answer under construction; fields are assigned in wire order (JSON.stringify keeps insertion order). */
type WireObject = Record<string, unknown>;

/** The answer header for a request or refused message: §2.3 of the spec digest. */
export function answerHeader(request: BiRequest | AnswerTarget, result: AnswerResult): AnswerHeaderWire {
  return buildHeader(request, result) as unknown as AnswerHeaderWire;
}

// Built by assignment rather than conditional spreads: this runs for every request (see bench/bi).
function buildHeader(request: BiRequest | AnswerTarget, result: AnswerResult): WireObject {
  const answerType = 'answerType' in request ? request.answerType : answerTypeOf(request.messageType);
  const reason = typeof result === 'string' ? result : result.reason;
  const description = typeof result === 'string' ? undefined : result.description;
  // An unsupported ProtocolVersion is echoed; its Result (InvalidProtocolVersion) reads the same in both versions.
  const version = isProtocolVersion(request.protocolVersion) ? request.protocolVersion : '1.0';
  const header: WireObject = {
    ProtocolVersion: request.protocolVersion,
    SenderID: request.receiverId,
    ReceiverID: request.senderId,
    TransactionID: request.transactionId,
    MessageType: answerType,
  };
  if (version === '1.1' && request.senderNsId !== undefined) header['ReceiverNSID'] = request.senderNsId;
  if (request.receiverToken !== undefined) header['SenderToken'] = request.receiverToken;
  if (request.senderToken !== undefined) header['ReceiverToken'] = request.senderToken;
  const resultWire: { ResultCode: ResultCode; Description?: string } = {
    ResultCode: resultCodeFor(reason, version),
  };
  if (description !== undefined && description !== '') resultWire.Description = description;
  header['Result'] = resultWire;
  return header;
}

function isSuccess(result: AnswerResult): boolean {
  return (typeof result === 'string' ? result : result.reason) === 'success';
}

function putEnvelope(out: WireObject, field: string, key: KeyEnvelope | undefined): void {
  if (key !== undefined) out[field] = buildKeyEnvelope(key, field);
}

function putSessionKeys(out: WireObject, request: JoinReq | RejoinReq, body: JoinAnsBody): void {
  const frame = body.phyPayload as Uint8Array | undefined;
  if (!(frame instanceof Uint8Array) || (frame.length !== 17 && frame.length !== 33) || frame[0] !== 0x20)
    incomplete('PHYPayload', 'not_join_accept');
  const lifetime = body.lifetime ?? 0;
  if (!Number.isInteger(lifetime) || lifetime < 0 || lifetime > uint32Max)
    incomplete('Lifetime', 'out_of_range');
  const keys11 = [body.fNwkSIntKey, body.sNwkSIntKey, body.nwkSEncKey];
  if (isLoRaWAN11(request.macVersion)) {
    if (keys11.includes(undefined)) incomplete('FNwkSIntKey', 'missing');
    if (body.nwkSKey !== undefined) incomplete('NwkSKey', 'not_allowed');
  } else {
    if (request.messageType === 'RejoinReq') incomplete('MACVersion', 'not_allowed');
    if (body.nwkSKey === undefined) incomplete('NwkSKey', 'missing');
    if (keys11.some((k) => k !== undefined)) incomplete('FNwkSIntKey', 'not_allowed');
  }
  if (body.appSKey === undefined && body.sessionKeyId === undefined) incomplete('AppSKey', 'missing');
  const sessionKeyId = body.sessionKeyId === undefined ? undefined : normalizeHex(body.sessionKeyId);
  if (body.sessionKeyId !== undefined && sessionKeyId === undefined) incomplete('SessionKeyID', 'not_hex');
  out['PHYPayload'] = bytesToHex(frame);
  out['Lifetime'] = lifetime;
  putEnvelope(out, 'NwkSKey', body.nwkSKey);
  putEnvelope(out, 'FNwkSIntKey', body.fNwkSIntKey);
  putEnvelope(out, 'SNwkSIntKey', body.sNwkSIntKey);
  putEnvelope(out, 'NwkSEncKey', body.nwkSEncKey);
  putEnvelope(out, 'AppSKey', body.appSKey);
  if (sessionKeyId !== undefined) out['SessionKeyID'] = sessionKeyId;
}

function putHomeNs(out: WireObject, request: HomeNSReq, body: HomeNSAnsBody): void {
  const hNetId = typeof body.hNetId === 'string' ? normalizeHex(body.hNetId) : undefined;
  if (hNetId?.length !== 6) return incomplete('HNetID', 'wrong_length');
  out['HNetID'] = hNetId;
  // HNSID exists only in BI 1.1 (TTS emits it only for 1.1 requests).
  if (request.protocolVersion !== '1.1' || body.hNsId === undefined) return;
  const hNsId = normalizeHex(body.hNsId);
  if (hNsId?.length !== 16) return incomplete('HNSID', 'wrong_length');
  out['HNSID'] = hNsId;
}

/**
 * The answer to a request: header per §2.3, `Result` per protocol version, and — when `result` is `success` — the
 * body, checked for what the spec requires (`bi:incomplete_answer` otherwise). Error answers carry no body, except
 * that an AppSKeyAns always echoes `DevEUI` and `SessionKeyID` (ChirpStack's struct requires them). With an
 * `AnswerTarget` (a refused message) only error results are possible. Encode with `JSON.stringify`.
 */
export function answerFor(request: JoinReq, result: AnswerResult, body?: JoinAnsBody): JoinAnsWire;
export function answerFor(request: RejoinReq, result: AnswerResult, body?: RejoinAnsBody): RejoinAnsWire;
export function answerFor(request: AppSKeyReq, result: AnswerResult, body?: AppSKeyAnsBody): AppSKeyAnsWire;
export function answerFor(request: HomeNSReq, result: AnswerResult, body?: HomeNSAnsBody): HomeNSAnsWire;
export function answerFor(
  request: BiRequest,
  result: AnswerResult,
  body?: JoinAnsBody | AppSKeyAnsBody | HomeNSAnsBody,
): AnswerHeaderWire;
export function answerFor(request: BiRequest | AnswerTarget, result: AnswerResult): AnswerHeaderWire;
export function answerFor(
  request: BiRequest | AnswerTarget,
  result: AnswerResult,
  body?: JoinAnsBody | AppSKeyAnsBody | HomeNSAnsBody,
): AnswerHeaderWire {
  const success = isSuccess(result);
  if (success && body === undefined) incomplete('body', 'missing');
  if ('answerType' in request && success) incomplete('Result', 'not_allowed');
  const out = buildHeader(request, result);
  if (!('answerType' in request)) {
    switch (request.messageType) {
      case 'JoinReq':
      case 'RejoinReq':
        if (success) putSessionKeys(out, request, body as JoinAnsBody);
        break;
      case 'AppSKeyReq': {
        out['DevEUI'] = request.devEui;
        if (success) {
          const appSKey = (body as Partial<AppSKeyAnsBody>).appSKey;
          if (appSKey === undefined) incomplete('AppSKey', 'missing');
          putEnvelope(out, 'AppSKey', appSKey);
        }
        out['SessionKeyID'] = request.sessionKeyId;
        break;
      }
      case 'HomeNSReq':
        if (success) putHomeNs(out, request, body as HomeNSAnsBody);
        break;
    }
  }
  return out as unknown as AnswerHeaderWire;
}
