import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '@joinery/logging';
import type { AsyncAnswerSender } from '../../domain/ports.js';
import type { TlsMaterial } from './bi-http-app.js';

export type ClientTls = Pick<TlsMaterial, 'certPem' | 'keyPem'>;

export interface HttpAsyncSenderOptions {
  readonly logger: Logger;
  /**
   * The client certificate presented to peers that require mTLS: one for every answer, or one per SenderID (the
   * JoinEUI the answer is sent as; ChirpStack v3 refuses an answer whose certificate CN is not its SenderID).
   */
  readonly clientTls?: ClientTls | ((senderId: string) => Promise<ClientTls>);
  /** Extra trust anchors for the peers' callback servers (besides the system store). */
  readonly caPem?: string;
  /** Total time for all attempts (the NS stops waiting after its async timeout). */
  readonly budgetMs: number;
}

function postOnce(
  url: URL,
  body: string,
  options: HttpAsyncSenderOptions,
  clientTls: ClientTls | undefined,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const common = { method: 'POST', headers, timeout: timeoutMs };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, {
            ...common,
            ...(clientTls === undefined ? {} : { cert: clientTls.certPem, key: clientTls.keyPem }),
            ...(options.caPem === undefined ? {} : { ca: options.caPem }),
            minVersion: 'TLSv1.2',
          })
        : httpRequest(url, common);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POSTs an answer to the peer's callback URL, retrying with backoff while the budget lasts. 2xx is delivered;
 * anything else is retried, because an NS that misses the answer loses the join.
 */
export function createHttpAsyncSender(options: HttpAsyncSenderOptions): AsyncAnswerSender {
  return {
    async send(url, answer, context) {
      const target = new URL(url);
      const body = JSON.stringify(answer);
      const giveUpAt = Date.now() + options.budgetMs;
      let delayMs = 100;
      let clientTls: ClientTls | undefined;
      for (let attempt = 1; ; attempt += 1) {
        const left = giveUpAt - Date.now();
        let outcome: string;
        try {
          if (target.protocol === 'https:')
            clientTls ??=
              typeof options.clientTls === 'function'
                ? await options.clientTls(context.senderId)
                : options.clientTls;
          const status = await postOnce(target, body, options, clientTls, Math.max(100, left));
          if (status >= 200 && status < 300) return;
          outcome = `HTTP ${status}`;
        } catch (err) {
          outcome = err instanceof Error ? err.message : String(err);
        }
        options.logger.warn(
          {
            dev_eui: context.devEui,
            transaction_id: context.transactionId,
            attempt,
            outcome,
            host: target.host,
          },
          'asynchronous answer not accepted',
        );
        if (Date.now() + delayMs >= giveUpAt)
          throw new Error(`asynchronous answer not delivered after ${attempt} attempts: ${outcome}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs *= 3;
      }
    },
  };
}
