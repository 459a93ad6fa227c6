import {
  answerFor,
  biErrors,
  bytesToHex,
  describeParseError,
  hexToBytes,
  parseRequest,
  resultCodeFor,
  type AnswerHeaderWire,
  type AppSKeyReq,
  type BiRequest,
  type HomeNSReq,
  type JoinAnsBody,
  type JoinReq,
  type KeyEnvelope,
  type ProtocolVersion,
  type RejoinReq,
  type ResultReason,
} from '@joinery/backend-interfaces';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import {
  AppSKeyDelivery,
  PeerKind,
  type AuthorizeResponse,
  type PeerCredentialSchema,
  type PeerIdentity,
} from '@joinery/proto/claims/v1/claims_pb';
import { JoinKind } from '@joinery/proto/events/v1/events_pb';
import {
  MacVersion,
  type HandleJoinResponse,
  type KeyEnvelope as KeyEnvelopePb,
} from '@joinery/proto/keys/v1/keys_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Admission, type AdmissionTicket } from './admission.js';
import { DuplicateCache, requestKey } from './duplicate-cache.js';
import { gatewayErrors } from './errors.js';
import { RefusalRecorder, refusalEventIdDetail } from './refusal-recorder.js';
import type { AsyncAnswerSender, ClaimsClient, KeysClient, PeerCredentialInput } from './ports.js';
import { ExpiringCache } from './expiring-cache.js';
import { PeerRateLimiter } from './rate-limiter.js';
import { descriptionFor, descriptionOfReason, reasonFor } from './result-reason.js';

export interface BiHandlerOptions {
  /** The budget of a request from its arrival; nothing is answered later than this (it must be under the NS's timeout). */
  readonly deadlineMs: number;
  readonly maxInFlight: number;
  /** A request handled later than this after its arrival is refused unprocessed (`Admission`); default 250 ms. */
  readonly maxQueueAgeMs?: number;
  /** While the event loop is this far behind, arrivals are refused (`Admission`); default 200 ms. */
  readonly maxEventLoopDelayMs?: number;
  /** Arrivals are refused while a whole interval's answers all took longer than this (`Admission`); default 50 ms. */
  readonly targetSojournMs?: number;
  /**
   * Keys is not called with less of the deadline left than this: the answer would come too late, and keys would have
   * spent a JoinNonce for it. Default 100 ms.
   */
  readonly minKeysBudgetMs?: number;
  readonly peerRatePerSecond: number;
  readonly peerBurst: number;
  readonly duplicateWindowMs: number;
  /** How long an authenticated credential is remembered; 0 or unset: asked every time. */
  readonly peerCacheMs?: number;
}

export interface BiHandlerDeps {
  readonly claims: ClaimsClient;
  readonly keys: KeysClient;
  readonly logger: Logger;
  readonly options: BiHandlerOptions;
  readonly asyncSender?: AsyncAnswerSender;
  /** Called once for each refused join that could not be written to the join stream (`RefusalRecorder`). */
  readonly onRefusalLost?: () => void;
  readonly now?: () => number;
  /** How far behind the event loop is, in ms (`startEventLoopDelaySampler`), for admission. */
  readonly eventLoopDelayMs?: () => number;
}

/**
 * What the HTTP edge sends back. `netId`: the registered NetID of the authenticated NS that sent the request (upper-case
 * hex), absent when the sender was not authenticated as an NS.
 */
export type BiOutcome = BiOutcomeBody & { readonly netId?: string };

type BiOutcomeBody =
  | {
      readonly status: 200;
      readonly body: AnswerHeaderWire;
      readonly messageType: string;
      readonly resultCode: string;
    }
  /** Asynchronous peer: acknowledged with an empty 200; the answer is POSTed to its callback URL. */
  | {
      readonly status: 200;
      readonly body: undefined;
      readonly messageType: string;
      readonly resultCode: 'Deferred';
    }
  /** A BI 1.1 notification: nothing to answer. */
  | { readonly status: 204; readonly body: undefined; readonly messageType: string; readonly resultCode: '' }
  | {
      readonly status: 400;
      readonly body: { error: { code: string; message: string } };
      readonly messageType: '';
      readonly resultCode: '';
    };

type ActivationRequest = JoinReq | RejoinReq;

/** Where an NS takes asynchronous answers (empty `asyncUrl`: synchronous) and the CA its callback server uses. */
type Callback = Pick<PeerIdentity, 'asyncUrl' | 'asyncCaPem'>;

/** A refused activation: the reason picks the ResultCode, the description (words, no secrets) explains it. */
interface Refusal {
  readonly reason: ResultReason;
  readonly description: string;
}

const macVersionPb = {
  '1.0.0': MacVersion.MAC_VERSION_1_0_0,
  '1.0.1': MacVersion.MAC_VERSION_1_0_1,
  '1.0.2': MacVersion.MAC_VERSION_1_0_2,
  '1.0.3': MacVersion.MAC_VERSION_1_0_3,
  '1.0.4': MacVersion.MAC_VERSION_1_0_4,
  '1.1': MacVersion.MAC_VERSION_1_1,
} as const;

const rejoinKinds = [JoinKind.REJOIN_TYPE_0, JoinKind.REJOIN_TYPE_1, JoinKind.REJOIN_TYPE_2] as const;

/** SenderNSID as bytes; empty under BI 1.0, where there is none. */
const nsIdBytes = (message: { readonly senderNsId?: string }): Uint8Array =>
  message.senderNsId === undefined ? new Uint8Array() : hexToBytes(message.senderNsId);

function credentialOf(input: PeerCredentialInput): MessageInitShape<typeof PeerCredentialSchema> {
  if (input.certFingerprint !== undefined)
    return { credential: { case: 'certFingerprintSha256', value: input.certFingerprint } };
  if (input.bearerToken !== undefined)
    return { credential: { case: 'bearerToken', value: input.bearerToken } };
  return {};
}

function credentialKey(input: PeerCredentialInput): string {
  if (input.certFingerprint !== undefined) return `cert:${bytesToHex(input.certFingerprint)}`;
  return `token:${input.bearerToken ?? ''}`;
}

function envelopeOf(pb: KeyEnvelopePb | undefined): KeyEnvelope | undefined {
  if (pb === undefined || pb.key.length === 0) return undefined;
  return pb.kekLabel === '' ? { key: pb.key } : { kekLabel: pb.kekLabel, key: pb.key };
}

/**
 * The Backend Interfaces pipeline: parse → authenticate → bind SenderID → authorize (claims) → keys → answer.
 * Every parseable message gets HTTP 200 and a `Result`; only what is not a BI message at all gets 400.
 */
export class BiHandler {
  readonly #deps: BiHandlerDeps;
  readonly #duplicates: DuplicateCache<JoinAnsBody | Refusal>;
  readonly #rateLimiter: PeerRateLimiter;
  /**
   * Who a credential belongs to, remembered for a short time so that a busy NS is not authenticated by claims twice
   * per join (the gateway asks `AuthenticatePeer` to tell UnknownSender from UnknownDevEUI, and claims authenticates
   * again inside `Authorize`). Safe to cache: every activation is still authorized by claims with the credential, so
   * a revoked credential is refused at once; the handler drops the entry on such a refusal and asks again, so even
   * the result code stays the one an uncached lookup gives. Only successful lookups are kept.
   */
  readonly #peers: ExpiringCache<PeerIdentity>;
  readonly #refusals: RefusalRecorder;
  /** Shared with the HTTP edge, which takes a ticket as each request arrives (`arrive`). */
  readonly admission: Admission;

  constructor(deps: BiHandlerDeps) {
    this.#deps = deps;
    const now = deps.now ?? Date.now;
    this.#duplicates = new DuplicateCache({ windowMs: deps.options.duplicateWindowMs, now });
    this.admission = new Admission({
      maxInFlight: deps.options.maxInFlight,
      maxQueueAgeMs: deps.options.maxQueueAgeMs ?? 250,
      maxEventLoopDelayMs: deps.options.maxEventLoopDelayMs ?? 200,
      targetSojournMs: deps.options.targetSojournMs ?? 50,
      now,
      ...(deps.eventLoopDelayMs === undefined ? {} : { eventLoopDelayMs: deps.eventLoopDelayMs }),
    });
    this.#peers = new ExpiringCache({ ttlMs: deps.options.peerCacheMs ?? 0, now });
    this.#rateLimiter = new PeerRateLimiter({
      ratePerSecond: deps.options.peerRatePerSecond,
      burst: deps.options.peerBurst,
      now,
    });
    this.#refusals = new RefusalRecorder({
      send: (refusal) => deps.keys.recordRefusal(refusal, { timeoutMs: 5000 }),
      logger: deps.logger,
      now,
      ...(deps.onRefusalLost === undefined ? {} : { onLost: deps.onRefusalLost }),
    });
  }

  get inFlight(): number {
    return this.admission.inFlight;
  }

  /** Refused joins decided here (or that keys could not write) not yet in the join stream. */
  get refusalsPending(): number {
    return this.#refusals.pending;
  }

  /** Gives the refused joins still being written up to `timeoutMs` to reach keys; for shutdown. */
  async close(timeoutMs = 2000): Promise<void> {
    await this.#refusals.close(timeoutMs);
  }

  /**
   * `ticket`: the admission the edge took when the request arrived (it releases it once the answer is sent); without
   * one the request is admitted here, as it arrives.
   */
  async handle(body: unknown, credential: PeerCredentialInput, ticket?: AdmissionTicket): Promise<BiOutcome> {
    if (ticket !== undefined) return this.#handle(body, credential, ticket);
    const own = this.admission.arrive();
    try {
      return await this.#handle(body, credential, own);
    } finally {
      own.release();
    }
  }

  async #handle(body: unknown, credential: PeerCredentialInput, ticket: AdmissionTicket): Promise<BiOutcome> {
    const parsed = parseRequest(body);
    if (!parsed.ok) {
      if (!parsed.answerable)
        return {
          status: 400,
          body: { error: { code: parsed.error.code, message: parsed.error.message } },
          messageType: '',
          resultCode: '',
        };
      this.#deps.logger.info(
        { err_code: parsed.error.code, details: parsed.error.details },
        'refused unparseable message',
      );
      const answer = answerFor(parsed.target, {
        reason: parsed.reason,
        description: describeParseError(parsed.error),
      });
      return {
        status: 200,
        body: answer,
        messageType: parsed.target.answerType,
        resultCode: answer.Result.ResultCode,
      };
    }
    const message = parsed.message;
    if (message.messageType === 'ErrorNotif') {
      this.#deps.logger.warn(
        { sender_id: message.senderId, result_code: message.result?.resultCode ?? '' },
        'ErrorNotif received',
      );
      return { status: 204, body: undefined, messageType: 'ErrorNotif', resultCode: '' };
    }
    // Refused before any claims or keys work: an answer from parsing alone, which stays fast under overload.
    if (!this.admission.mayProceed(ticket)) return this.#refuse(message, gatewayErrors.overloaded());
    return this.#dispatch(message, credential, ticket.arrivedAt + this.#deps.options.deadlineMs);
  }

  async #dispatch(message: BiRequest, credential: PeerCredentialInput, deadline: number): Promise<BiOutcome> {
    let peer: PeerIdentity;
    try {
      peer = await this.#authenticate(credential, message, deadline);
    } catch (err) {
      if (message.messageType === 'JoinReq' || message.messageType === 'RejoinReq')
        this.#recordRefusal(message, err, undefined);
      return this.#refuse(message, err);
    }
    const outcome = await this.#authenticated(message, credential, deadline, peer);
    return peer.kind === PeerKind.NETWORK_SERVER ? { ...outcome, netId: bytesToHex(peer.netId) } : outcome;
  }

  async #authenticated(
    message: BiRequest,
    credential: PeerCredentialInput,
    deadline: number,
    peer: PeerIdentity,
  ): Promise<BiOutcome> {
    if (!this.#rateLimiter.tryTake(peer.peerId)) {
      const limited = gatewayErrors.rate_limited();
      if (message.messageType !== 'JoinReq' && message.messageType !== 'RejoinReq')
        return this.#refuse(message, limited);
      this.#recordRefusal(message, limited, undefined);
      return this.#refuseActivation(message, limited, peer);
    }
    switch (message.messageType) {
      case 'JoinReq':
      case 'RejoinReq':
        return this.#activation(message, credential, deadline, peer);
      case 'AppSKeyReq':
        return this.#answerTo(peer, message, await this.#appSKey(message, credential, deadline));
      case 'HomeNSReq':
        return this.#answerTo(peer, message, await this.#homeNs(message, credential, deadline));
    }
  }

  /**
   * Every answer to an asynchronous peer goes to its callback URL, as JoinAns does: ChirpStack's async client discards
   * a body in the response and waits for the POST ("Async timeout" otherwise). A caller found not to be who it claimed
   * (UnknownSender, e.g. a credential revoked since it was cached) is answered in the response: its callback URL is
   * not to be trusted.
   */
  #answerTo(callback: Callback, message: BiRequest, outcome: BiOutcome): BiOutcome {
    const sender = this.#deps.asyncSender;
    if (callback.asyncUrl === '' || sender === undefined || outcome.body === undefined) return outcome;
    if (outcome.resultCode === 'UnknownSender') return outcome;
    return this.#deferred(sender, message, callback, Promise.resolve(outcome.body as AnswerHeaderWire));
  }

  #timeout(deadline: number, atLeastMs = 1): { timeoutMs: number } {
    const left = deadline - (this.#deps.now ?? Date.now)();
    if (left < atLeastMs) throw gatewayErrors.deadline_exceeded();
    return { timeoutMs: left };
  }

  /** The keys call's budget; refused (keys not called, no JoinNonce spent) when too little is left to be useful. */
  #keysTimeout(deadline: number): { timeoutMs: number } {
    return this.#timeout(deadline, this.#deps.options.minKeysBudgetMs ?? 100);
  }

  /** The authenticated peer, whose registered identity must match SenderID (and SenderNSID under BI 1.1). */
  async #authenticate(
    credential: PeerCredentialInput,
    message: BiRequest,
    deadline: number,
  ): Promise<PeerIdentity> {
    if (credential.certFingerprint === undefined && credential.bearerToken === undefined)
      throw gatewayErrors.unauthenticated();
    const cacheKey = credentialKey(credential);
    let peer = this.#peers.get(cacheKey);
    if (peer === undefined) {
      ({ peer } = await this.#deps.claims.authenticatePeer(
        { credential: credentialOf(credential) },
        this.#timeout(deadline),
      ));
      if (peer === undefined) throw gatewayErrors.unauthenticated();
      this.#peers.set(cacheKey, peer);
    }
    if (message.messageType === 'AppSKeyReq') {
      if (peer.kind !== PeerKind.APPLICATION_SERVER || peer.asId !== message.senderId)
        throw gatewayErrors.unknown_sender({ sender_id: message.senderId });
      return peer;
    }
    if (peer.kind !== PeerKind.NETWORK_SERVER || bytesToHex(peer.netId) !== message.senderId)
      throw gatewayErrors.unknown_sender({ sender_id: message.senderId });
    // Under BI 1.1 the SenderNSID must be the registered NSID; TTS does not check this (lorawan-stack#4741), we do.
    if (
      message.protocolVersion === '1.1' &&
      peer.nsId.length > 0 &&
      message.senderNsId !== bytesToHex(peer.nsId)
    )
      throw gatewayErrors.unknown_sender({ sender_id: message.senderId });
    return peer;
  }

  /**
   * A claims refusal for a peer taken from the cache may mean its credential was revoked meanwhile: forget it and
   * authenticate again, so the answer is UnknownSender exactly as without the cache.
   */
  async #recheckSender(
    message: BiRequest,
    credential: PeerCredentialInput,
    deadline: number,
    err: unknown,
  ): Promise<unknown> {
    if (!JoineryError.is(err, 'claims:not_authorized') || !this.#peers.delete(credentialKey(credential)))
      return err;
    try {
      await this.#authenticate(credential, message, deadline);
      return err;
    } catch (authErr) {
      return authErr;
    }
  }

  async #activation(
    message: ActivationRequest,
    credential: PeerCredentialInput,
    deadline: number,
    peerCallback: Callback,
  ): Promise<BiOutcome> {
    let authorization: AuthorizeResponse;
    try {
      authorization = await this.#deps.claims.authorize(
        {
          joinEui: hexToBytes(message.receiverId),
          devEui: hexToBytes(message.devEui),
          credential: credentialOf(credential),
          senderNetId: hexToBytes(message.senderId),
          senderNsId: nsIdBytes(message),
        },
        this.#timeout(deadline),
      );
    } catch (err) {
      const refusal = await this.#recheckSender(message, credential, deadline, err);
      this.#recordRefusal(message, refusal, undefined);
      return this.#refuseActivation(message, refusal, peerCallback);
    }
    const delivery = authorization.delivery;
    if (delivery !== undefined && delivery.asyncUrl !== '' && this.#deps.asyncSender !== undefined)
      return this.#deferred(
        this.#deps.asyncSender,
        message,
        delivery,
        // The NS waits for the callback only until its own timeout: the same deadline holds.
        this.#activationAnswer(message, credential, authorization, deadline),
      );
    const answer = await this.#activationAnswer(message, credential, authorization, deadline);
    return {
      status: 200,
      body: answer,
      messageType: message.messageType,
      resultCode: answer.Result.ResultCode,
    };
  }

  async #activationAnswer(
    message: ActivationRequest,
    credential: PeerCredentialInput,
    authorization: AuthorizeResponse,
    deadline: number,
  ): Promise<AnswerHeaderWire> {
    const key = requestKey(message, credentialKey(credential));
    const { value, duplicate } = await this.#duplicates.getOrCompute(
      key,
      () => this.#activate(message, authorization, deadline),
      (v) => !('reason' in v),
    );
    if (duplicate)
      this.#deps.logger.info({ dev_eui: message.devEui }, 'duplicate join-request answered again');
    if ('reason' in value) return this.#answer(message, value.reason, value.description);
    return answerFor(message as JoinReq, 'success', value);
  }

  /** Calls keys and turns its answer into a JoinAns/RejoinAns body, or a refusal reason (already logged). */
  async #activate(
    message: ActivationRequest,
    authorization: AuthorizeResponse,
    deadline: number,
  ): Promise<JoinAnsBody | Refusal> {
    const device = authorization.device;
    const delivery = authorization.delivery;
    if (device === undefined || delivery === undefined)
      return { reason: 'other', description: descriptionOfReason('other') };
    const deviceIs11 = device.macVersion === MacVersion.MAC_VERSION_1_1;
    // The NS sends the highest version it shares with the device: a 1.0.x device can never be answered as 1.1.
    if (!deviceIs11 && message.macVersion === '1.1') {
      this.#recordRefusal(message, biErrors.mac_version_mismatch(), authorization);
      return { reason: 'mac_version_mismatch', description: descriptionOfReason('mac_version_mismatch') };
    }
    const appSKeyDelivery =
      delivery.appSKeyDelivery === AppSKeyDelivery.PLAINTEXT
        ? ({ case: 'plaintext', value: true } as const)
        : delivery.appSKeyDelivery === AppSKeyDelivery.SESSION_KEY_ID
          ? ({ case: 'sessionKeyIdOnly', value: true } as const)
          : ({ case: 'kekLabel', value: delivery.appSKeyKekLabel } as const);
    const request = {
      device,
      request: {
        phyPayload: message.phyPayload,
        devAddr: hexToBytes(message.devAddr),
        netId: hexToBytes(message.senderId),
        nsId: nsIdBytes(message),
        dlSettings: message.dlSettings,
        rxDelay: message.rxDelay,
        cfList: message.cfList ?? new Uint8Array(),
        protocolVersion: message.protocolVersion,
      },
      peer: {
        nwkKeyDelivery: {
          method: delivery.plaintextNwkKeys
            ? ({ case: 'plaintext', value: true } as const)
            : ({ case: 'kekLabel', value: delivery.nwkKekLabel } as const),
        },
        appSKeyDelivery: { method: appSKeyDelivery },
        optNegAllowed: message.macVersion === '1.1',
      },
    };
    let result: Pick<
      HandleJoinResponse,
      'joinAcceptPhy' | 'nwkSKey' | 'fNwkSIntKey' | 'sNwkSIntKey' | 'nwkSEncKey' | 'appSKey' | 'sessionKeyId'
    >;
    try {
      result =
        message.messageType === 'JoinReq'
          ? await this.#deps.keys.handleJoin(request, this.#keysTimeout(deadline))
          : await this.#deps.keys.handleRejoin(request, this.#keysTimeout(deadline));
    } catch (err) {
      const error = JoineryError.from(err);
      this.#deps.logger.info({ dev_eui: message.devEui, err_code: error.code }, 'activation refused');
      // keys writes its own refusals (MIC, DevNonce) to the outbox and says so with the event id; anything else
      // (keys unreachable or too slow, its store down) is written from here.
      if (error.details[refusalEventIdDetail] === undefined)
        this.#recordRefusal(message, error, authorization);
      return { reason: reasonFor(err), description: descriptionFor(err) };
    }
    const includeSessionKeyId = delivery.appSKeyDelivery !== AppSKeyDelivery.PLAINTEXT;
    const body: JoinAnsBody = {
      phyPayload: result.joinAcceptPhy,
      lifetime: delivery.lifetime,
      ...optional('nwkSKey', envelopeOf(result.nwkSKey)),
      ...optional('fNwkSIntKey', envelopeOf(result.fNwkSIntKey)),
      ...optional('sNwkSIntKey', envelopeOf(result.sNwkSIntKey)),
      ...optional('nwkSEncKey', envelopeOf(result.nwkSEncKey)),
      ...optional('appSKey', envelopeOf(result.appSKey)),
      ...(includeSessionKeyId && result.sessionKeyId.length > 0
        ? { sessionKeyId: bytesToHex(result.sessionKeyId) }
        : {}),
    };
    return body;
  }

  async #appSKey(message: AppSKeyReq, credential: PeerCredentialInput, deadline: number): Promise<BiOutcome> {
    try {
      const authorization = await this.#deps.claims.authorizeApplicationServer(
        {
          joinEui: hexToBytes(message.receiverId),
          devEui: hexToBytes(message.devEui),
          credential: credentialOf(credential),
          senderAsId: message.senderId,
        },
        this.#timeout(deadline),
      );
      const { appSKey } = await this.#deps.keys.getAppSKey(
        {
          devEui: hexToBytes(message.devEui),
          sessionKeyId: hexToBytes(message.sessionKeyId),
          asId: message.senderId,
          delivery: { method: { case: 'kekLabel', value: authorization.kekLabel } },
          // Only sessions made under the device's current binding are handed out (issue 22 #11).
          bindingId: authorization.device?.bindingId ?? '',
        },
        this.#timeout(deadline),
      );
      const envelope = envelopeOf(appSKey);
      if (envelope === undefined) return this.#refuse(message, gatewayErrors.unknown_session());
      const answer = answerFor(message, 'success', { appSKey: envelope });
      return {
        status: 200,
        body: answer,
        messageType: message.messageType,
        resultCode: answer.Result.ResultCode,
      };
    } catch (err) {
      return this.#refuse(message, await this.#recheckSender(message, credential, deadline, err));
    }
  }

  async #homeNs(message: HomeNSReq, credential: PeerCredentialInput, deadline: number): Promise<BiOutcome> {
    try {
      const home = await this.#deps.claims.getHomeNetwork(
        {
          devEui: hexToBytes(message.devEui),
          credential: credentialOf(credential),
          senderNetId: hexToBytes(message.senderId),
          senderNsId: nsIdBytes(message),
        },
        this.#timeout(deadline),
      );
      const answer = answerFor(message, 'success', {
        hNetId: bytesToHex(home.netId),
        ...(home.nsId.length > 0 ? { hNsId: bytesToHex(home.nsId) } : {}),
      });
      return {
        status: 200,
        body: answer,
        messageType: message.messageType,
        resultCode: answer.Result.ResultCode,
      };
    } catch (err) {
      return this.#refuse(message, await this.#recheckSender(message, credential, deadline, err));
    }
  }

  #answer(message: BiRequest, reason: ResultReason, description?: string): AnswerHeaderWire {
    return answerFor(message, description === undefined ? reason : { reason, description });
  }

  /** 200 with an empty body now; the answer is POSTed to `url` once ready (asynchronous Backend Interfaces). */
  #deferred(
    sender: AsyncAnswerSender,
    message: BiRequest,
    callback: Callback,
    answer: Promise<AnswerHeaderWire>,
  ): BiOutcome {
    void answer
      .then((body) =>
        sender.send(callback.asyncUrl, body, {
          devEui: message.devEui,
          transactionId: message.transactionId,
          senderId: body.SenderID,
          ...(callback.asyncCaPem === '' ? {} : { callbackCaPem: callback.asyncCaPem }),
        }),
      )
      .catch((err: unknown) =>
        this.#deps.logger.error(
          { err, dev_eui: message.devEui },
          'asynchronous answer could not be delivered',
        ),
      );
    return { status: 200, body: undefined, messageType: message.messageType, resultCode: 'Deferred' };
  }

  /**
   * A refused JoinReq/RejoinReq of an authenticated NS. An asynchronous NS (ChirpStack with async_timeout) ignores a
   * body in the response and waits for the POST, so a refusal in the body would reach it as "Async timeout" instead
   * of its result code: it is POSTed like an answer. A caller found not to be who it claimed (UnknownSender, e.g. a
   * credential revoked since it was cached) is answered in the response: its callback URL is not to be trusted.
   */
  #refuseActivation(message: ActivationRequest, err: unknown, callback: Callback): BiOutcome {
    const sender = this.#deps.asyncSender;
    if (
      callback.asyncUrl === '' ||
      sender === undefined ||
      reasonFor(JoineryError.from(err)) === 'unknown_sender'
    )
      return this.#refuse(message, err);
    return this.#deferred(sender, message, callback, Promise.resolve(this.#refusalAnswer(message, err)));
  }

  /** The answer for a refusal, by the one error table; internal errors are logged. */
  #refusalAnswer(message: BiRequest, err: unknown) {
    const error = JoineryError.from(err);
    if (error.kind === 'internal') this.#deps.logger.error({ err: error.cause ?? error }, 'request failed');
    return this.#answer(message, reasonFor(error), descriptionFor(error));
  }

  #refuse(message: BiRequest, err: unknown): BiOutcome {
    const answer = this.#refusalAnswer(message, err);
    return {
      status: 200,
      body: answer,
      messageType: message.messageType,
      resultCode: answer.Result.ResultCode,
    };
  }

  /**
   * Puts a refusal keys did not write (unknown sender, device not bound to the caller, rate limit, keys unreachable)
   * into the join event stream through the keys outbox. The answer to the NS does not wait for it (`RefusalRecorder`).
   */
  #recordRefusal(
    message: ActivationRequest,
    err: unknown,
    authorization: AuthorizeResponse | undefined,
  ): void {
    const error = JoineryError.from(err);
    const version = message.protocolVersion as ProtocolVersion;
    const kind = message.messageType === 'JoinReq' ? JoinKind.JOIN_REQUEST : rejoinKinds[message.rejoinType];
    this.#refusals.record({
      devEui: hexToBytes(message.devEui),
      joinEui: hexToBytes(message.receiverId),
      kind,
      resultCode: resultCodeFor(reasonFor(error), version),
      errorCode: error.code,
      accountId: authorization?.device?.accountId ?? '',
      networkServerId: authorization?.device?.networkServerId ?? '',
      netId: hexToBytes(message.senderId),
      nsId: nsIdBytes(message),
      macVersion: macVersionPb[message.macVersion],
    });
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
