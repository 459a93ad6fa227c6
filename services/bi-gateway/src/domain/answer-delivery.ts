import {
  answerFor,
  type AnswerHeaderWire,
  type BiRequest,
  type ResultReason,
} from '@joinery/backend-interfaces';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import { answered, type ActivationRequest, type BiOutcome, type Callback } from './bi-outcome.js';
import type { AsyncAnswerSender } from './ports.js';
import { descriptionFor, reasonFor } from './result-reason.js';

/** How an answer or a refusal reaches the peer: in the response, or POSTed to its callback URL. */
export class AnswerDelivery {
  readonly #logger: Logger;
  readonly asyncSender: AsyncAnswerSender | undefined;

  constructor(options: { logger: Logger; asyncSender?: AsyncAnswerSender | undefined }) {
    this.#logger = options.logger;
    this.asyncSender = options.asyncSender;
  }

  /**
   * Every answer to an asynchronous peer goes to its callback URL, as JoinAns does: ChirpStack's async client discards
   * a body in the response and waits for the POST ("Async timeout" otherwise). A caller found not to be who it claimed
   * (UnknownSender, e.g. a credential revoked since it was cached) is answered in the response: its callback URL is
   * not to be trusted.
   */
  answerTo(callback: Callback, message: BiRequest, outcome: BiOutcome): BiOutcome {
    const sender = this.asyncSender;
    if (callback.asyncUrl === '' || sender === undefined || outcome.body === undefined) return outcome;
    if (outcome.resultCode === 'UnknownSender') return outcome;
    return this.deferred(sender, message, callback, Promise.resolve(outcome.body as AnswerHeaderWire));
  }

  answer(message: BiRequest, reason: ResultReason, description?: string): AnswerHeaderWire {
    return answerFor(message, description === undefined ? reason : { reason, description });
  }

  /** 200 with an empty body now; the answer is POSTed to `url` once ready (asynchronous Backend Interfaces). */
  deferred(
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
        this.#logger.error({ err, dev_eui: message.devEui }, 'asynchronous answer could not be delivered'),
      );
    return { status: 200, body: undefined, messageType: message.messageType, resultCode: 'Deferred' };
  }

  /**
   * A refused JoinReq/RejoinReq of an authenticated NS. An asynchronous NS (ChirpStack with async_timeout) ignores a
   * body in the response and waits for the POST, so a refusal in the body would reach it as "Async timeout" instead
   * of its result code: it is POSTed like an answer. A caller found not to be who it claimed (UnknownSender, e.g. a
   * credential revoked since it was cached) is answered in the response: its callback URL is not to be trusted.
   */
  refuseActivation(message: ActivationRequest, err: unknown, callback: Callback): BiOutcome {
    const sender = this.asyncSender;
    if (
      callback.asyncUrl === '' ||
      sender === undefined ||
      reasonFor(JoineryError.from(err)) === 'unknown_sender'
    )
      return this.refuse(message, err);
    return this.deferred(sender, message, callback, Promise.resolve(this.#refusalAnswer(message, err)));
  }

  refuse(message: BiRequest, err: unknown): BiOutcome {
    return answered(message.messageType, this.#refusalAnswer(message, err));
  }

  /** The answer for a refusal, by the one error table; internal errors are logged. */
  #refusalAnswer(message: BiRequest, err: unknown): AnswerHeaderWire {
    const error = JoineryError.from(err);
    if (error.kind === 'internal') this.#logger.error({ err: error.cause ?? error }, 'request failed');
    return this.answer(message, reasonFor(error), descriptionFor(error));
  }
}
