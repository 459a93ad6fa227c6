import {
  answerFor,
  biErrors,
  bytesToHex,
  type AnswerHeaderWire,
  type JoinAnsBody,
  type JoinReq,
} from '@joinery/backend-interfaces';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import { DevAddr, isLoRaWAN11 } from '@joinery/lorawan';
import { AppSKeyDelivery } from '@joinery/proto/claims/v1/claims_pb';
import type { HandleJoinResponse } from '@joinery/proto/keys/v1/keys_pb';
import { macVersionFromProto } from '@joinery/wire';
import type { AnswerDelivery } from './answer-delivery.js';
import { answered, type ActivationRequest, type BiOutcome, type Refusal } from './bi-outcome.js';
import { netIdHex, nsRequestIds } from './message-ids.js';
import { DuplicateCache, requestKey } from './duplicate-cache.js';
import { envelopeOf } from './key-envelope.js';
import { verdictOf, type AuthorizeVerdict, type Grant } from './authorize-outcome.js';
import { gatewayErrors } from './errors.js';
import { credentialKey, credentialOf } from './peer-authentication.js';
import type { ClaimsClient, KeysClient, PeerCredentialInput } from './ports.js';
import type { PeerRateLimiter } from './rate-limiter.js';
import { refusalEventIdDetail } from './refusal-recorder.js';
import type { RequestBudget } from './request-budget.js';
import { descriptionFor, descriptionOfReason, reasonFor } from './result-reason.js';

export interface ActivationDeps {
  readonly claims: ClaimsClient;
  readonly keys: KeysClient;
  readonly logger: Logger;
  readonly budget: RequestBudget;
  readonly rateLimiter: PeerRateLimiter;
  readonly delivery: AnswerDelivery;
  /** Writes a refusal keys did not write into the join event stream; the answer does not wait for it. */
  readonly recordRefusal: (message: ActivationRequest, err: unknown, grant: Grant | undefined) => void;
  readonly duplicateWindowMs: number;
  readonly now: () => number;
}

/**
 * JoinReq and RejoinReq: authorize (claims, one round trip that also authenticates the caller) → rate limit → keys
 * → JoinAns/RejoinAns.
 */
export class Activation {
  readonly #deps: ActivationDeps;
  readonly #duplicates: DuplicateCache<JoinAnsBody | Refusal>;

  constructor(deps: ActivationDeps) {
    this.#deps = deps;
    this.#duplicates = new DuplicateCache({ windowMs: deps.duplicateWindowMs, now: deps.now });
  }

  async handle(
    message: ActivationRequest,
    credential: PeerCredentialInput,
    deadline: number,
  ): Promise<BiOutcome> {
    const verdict = await this.#authorize(message, credential, deadline);
    if (verdict.caller === undefined) {
      // An unknown sender is answered in the response: its callback URL is not to be trusted.
      this.#deps.recordRefusal(message, verdict.refusal, undefined);
      return this.#deps.delivery.refuse(message, verdict.refusal);
    }
    const caller = verdict.caller;
    const netId = netIdHex(caller.netId);
    // A rate-limited request is refused for its caller, whatever its device: its event names no owner.
    if (!this.#deps.rateLimiter.tryTake(caller.peerId)) {
      const limited = gatewayErrors.rate_limited();
      this.#deps.recordRefusal(message, limited, undefined);
      return { ...this.#deps.delivery.refuseActivation(message, limited, caller), netId };
    }
    if (!verdict.authorized) {
      this.#deps.recordRefusal(message, verdict.refusal, undefined);
      return { ...this.#deps.delivery.refuseActivation(message, verdict.refusal, caller), netId };
    }
    const authorization = { device: verdict.device, delivery: verdict.delivery };
    const delivery = verdict.delivery;
    const sender = this.#deps.delivery.asyncSender;
    if (delivery.asyncUrl !== '' && sender !== undefined)
      return {
        ...this.#deps.delivery.deferred(
          sender,
          message,
          delivery,
          // The NS waits for the callback only until its own timeout: the same deadline holds.
          this.#answer(message, credential, authorization, deadline),
        ),
        netId,
      };
    return {
      ...answered(message.messageType, await this.#answer(message, credential, authorization, deadline)),
      netId,
    };
  }

  /** Claims' verdict; a failed call (claims unreachable, a call without credential) is a refusal of no known caller. */
  async #authorize(
    message: ActivationRequest,
    credential: PeerCredentialInput,
    deadline: number,
  ): Promise<AuthorizeVerdict> {
    if (credential.certFingerprint === undefined && credential.bearerToken === undefined)
      return { authorized: false, refusal: gatewayErrors.unauthenticated(), caller: undefined };
    const ids = nsRequestIds(message);
    try {
      const response = await this.#deps.claims.authorize(
        {
          joinEui: ids.joinEui,
          devEui: ids.devEui,
          credential: credentialOf(credential),
          senderNetId: ids.netId,
          senderNsId: ids.nsId,
        },
        this.#deps.budget.timeout(deadline),
      );
      return verdictOf(response, message.senderId);
    } catch (err) {
      return { authorized: false, refusal: JoineryError.from(err), caller: undefined };
    }
  }

  async #answer(
    message: ActivationRequest,
    credential: PeerCredentialInput,
    authorization: Grant,
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
    if ('reason' in value) return this.#deps.delivery.answer(message, value.reason, value.description);
    return answerFor(message as JoinReq, 'success', value);
  }

  /** Calls keys and turns its answer into a JoinAns/RejoinAns body, or a refusal reason (already logged). */
  async #activate(
    message: ActivationRequest,
    authorization: Grant,
    deadline: number,
  ): Promise<JoinAnsBody | Refusal> {
    const { device, delivery } = authorization;
    const ids = nsRequestIds(message);
    const deviceVersion = macVersionFromProto(device.macVersion);
    const deviceIs11 = deviceVersion !== undefined && isLoRaWAN11(deviceVersion);
    // The NS sends the highest version it shares with the device: a 1.0.x device can never be answered as 1.1.
    if (!deviceIs11 && isLoRaWAN11(message.macVersion)) {
      this.#deps.recordRefusal(message, biErrors.mac_version_mismatch(), authorization);
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
        devAddr: DevAddr.parse(message.devAddr).bytes(),
        netId: ids.netId,
        nsId: ids.nsId,
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
        optNegAllowed: isLoRaWAN11(message.macVersion),
      },
    };
    let result: Pick<
      HandleJoinResponse,
      'joinAcceptPhy' | 'nwkSKey' | 'fNwkSIntKey' | 'sNwkSIntKey' | 'nwkSEncKey' | 'appSKey' | 'sessionKeyId'
    >;
    try {
      result =
        message.messageType === 'JoinReq'
          ? await this.#deps.keys.handleJoin(request, this.#deps.budget.keys(deadline))
          : await this.#deps.keys.handleRejoin(request, this.#deps.budget.keys(deadline));
    } catch (err) {
      const error = JoineryError.from(err);
      this.#deps.logger.info({ dev_eui: message.devEui, err_code: error.code }, 'activation refused');
      // keys writes its own refusals (MIC, DevNonce) to the outbox and says so with the event id; anything else
      // (keys unreachable or too slow, its store down) is written from here.
      if (error.details[refusalEventIdDetail] === undefined)
        this.#deps.recordRefusal(message, error, authorization);
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
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
