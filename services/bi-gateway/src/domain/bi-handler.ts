import {
  answerFor,
  describeParseError,
  parseRequest,
  type AppSKeyReq,
  type BiRequest,
  type HomeNSReq,
} from '@joinery/backend-interfaces';
import type { Logger } from '@joinery/logging';
import { PeerKind, type PeerIdentity } from '@joinery/proto/claims/v1/claims_pb';
import { Activation } from './activation.js';
import { activationRefusal } from './activation-refusal.js';
import { Admission, processCpuTimeMs, type AdmissionTicket } from './admission.js';
import { AnswerDelivery } from './answer-delivery.js';
import { answerAppSKeyReq } from './app-s-key-request.js';
import { answered, type BiOutcome } from './bi-outcome.js';
import { gatewayErrors } from './errors.js';
import { answerHomeNsReq } from './home-ns-request.js';
import { netIdHex } from './message-ids.js';
import { PeerAuthentication } from './peer-authentication.js';
import type { AsyncAnswerSender, ClaimsClient, KeysClient, PeerCredentialInput } from './ports.js';
import { PeerRateLimiter } from './rate-limiter.js';
import { RefusalRecorder } from './refusal-recorder.js';
import { RequestBudget } from './request-budget.js';

/**
 * The error of every overload refusal, made once: only its code reaches the answer, and a new error per refusal
 * spent about a fifth of a refusal's event-loop time capturing a stack trace nobody reads.
 */
const overloaded = gatewayErrors.overloaded();

export type { BiOutcome } from './bi-outcome.js';

export interface BiHandlerOptions {
  /** The budget of a request from its arrival; nothing is answered later than this (it must be under the NS's timeout). */
  readonly deadlineMs: number;
  readonly maxInFlight: number;
  /**
   * A request handled later than this after its arrival, the gateway busy meanwhile, is refused unprocessed
   * (`Admission`); default 250 ms.
   */
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
  /** The adaptive limit on requests in flight (`AdaptiveLimit`) never falls below this; default 2. */
  readonly minInFlight?: number;
  readonly peerRatePerSecond: number;
  readonly peerBurst: number;
  readonly duplicateWindowMs: number;
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
  /** The process's CPU time, ms, for admission's queue age (`AdmissionOptions.cpuTimeMs`); `processCpuTimeMs` by default. */
  readonly cpuTimeMs?: () => number;
  /** How far behind the event loop is, in ms (`startEventLoopDelaySampler`), for admission. */
  readonly eventLoopDelayMs?: () => number;
}

/**
 * The Backend Interfaces pipeline: parse → admit → authorize (claims; for JoinReq/RejoinReq the same round trip
 * authenticates the caller and binds SenderID) → rate limit → keys → answer.
 * Every parseable message gets HTTP 200 and a `Result`; only what is not a BI message at all gets 400. This class
 * admits and dispatches; each message type is handled by its own module.
 */
export class BiHandler {
  readonly #logger: Logger;
  readonly #deadlineMs: number;
  readonly #rateLimiter: PeerRateLimiter;
  readonly #peers: PeerAuthentication;
  readonly #delivery: AnswerDelivery;
  readonly #refusals: RefusalRecorder;
  readonly #activation: Activation;
  readonly #requests: {
    readonly claims: ClaimsClient;
    readonly keys: KeysClient;
    readonly budget: RequestBudget;
    readonly delivery: AnswerDelivery;
  };
  /** Shared with the HTTP edge, which takes a ticket as each request arrives (`arrive`). */
  readonly admission: Admission;

  constructor(deps: BiHandlerDeps) {
    this.#logger = deps.logger;
    this.#deadlineMs = deps.options.deadlineMs;
    const now = deps.now ?? Date.now;
    this.admission = new Admission({
      maxInFlight: deps.options.maxInFlight,
      maxQueueAgeMs: deps.options.maxQueueAgeMs ?? 250,
      maxEventLoopDelayMs: deps.options.maxEventLoopDelayMs ?? 200,
      targetSojournMs: deps.options.targetSojournMs ?? 50,
      adaptiveLimit: { minLimit: deps.options.minInFlight ?? 2 },
      now,
      cpuTimeMs: deps.cpuTimeMs ?? processCpuTimeMs,
      ...(deps.eventLoopDelayMs === undefined ? {} : { eventLoopDelayMs: deps.eventLoopDelayMs }),
    });
    const budget = new RequestBudget({ now, minKeysBudgetMs: deps.options.minKeysBudgetMs ?? 100 });
    this.#peers = new PeerAuthentication({ claims: deps.claims, budget });
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
    this.#delivery = new AnswerDelivery({ logger: deps.logger, asyncSender: deps.asyncSender });
    this.#requests = {
      claims: deps.claims,
      keys: deps.keys,
      budget,
      delivery: this.#delivery,
    };
    this.#activation = new Activation({
      ...this.#requests,
      rateLimiter: this.#rateLimiter,
      logger: deps.logger,
      recordRefusal: (message, err, grant) => this.#refusals.record(activationRefusal(message, err, grant)),
      duplicateWindowMs: deps.options.duplicateWindowMs,
      now,
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
      this.#logger.info(
        { err_code: parsed.error.code, details: parsed.error.details },
        'refused unparseable message',
      );
      const answer = answerFor(parsed.target, {
        reason: parsed.reason,
        description: describeParseError(parsed.error),
      });
      return answered(parsed.target.answerType, answer);
    }
    const message = parsed.message;
    if (message.messageType === 'ErrorNotif') {
      this.#logger.warn(
        { sender_id: message.senderId, result_code: message.result?.resultCode ?? '' },
        'ErrorNotif received',
      );
      return { status: 204, body: undefined, messageType: 'ErrorNotif', resultCode: '' };
    }
    // Refused before any claims or keys work: an answer from parsing alone, which stays fast under overload.
    if (!this.admission.mayProceed(ticket)) return this.#delivery.refuse(message, overloaded);
    return this.#dispatch(message, credential, ticket.arrivedAt + this.#deadlineMs);
  }

  async #dispatch(message: BiRequest, credential: PeerCredentialInput, deadline: number): Promise<BiOutcome> {
    if (message.messageType === 'JoinReq' || message.messageType === 'RejoinReq')
      return this.#activation.handle(message, credential, deadline);
    let peer: PeerIdentity;
    try {
      peer = await this.#peers.authenticate(credential, message, deadline);
    } catch (err) {
      return this.#delivery.refuse(message, err);
    }
    const outcome = await this.#authenticated(message, credential, deadline, peer);
    return peer.kind === PeerKind.NETWORK_SERVER ? { ...outcome, netId: netIdHex(peer.netId) } : outcome;
  }

  async #authenticated(
    message: AppSKeyReq | HomeNSReq,
    credential: PeerCredentialInput,
    deadline: number,
    peer: PeerIdentity,
  ): Promise<BiOutcome> {
    if (!this.#rateLimiter.tryTake(peer.peerId))
      return this.#delivery.refuse(message, gatewayErrors.rate_limited());
    const answer =
      message.messageType === 'AppSKeyReq'
        ? await answerAppSKeyReq(this.#requests, message, credential, deadline)
        : await answerHomeNsReq(this.#requests, message, credential, deadline);
    return this.#delivery.answerTo(peer, message, answer);
  }
}
