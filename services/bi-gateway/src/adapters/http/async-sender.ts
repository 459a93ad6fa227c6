import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { callbackHostRefusal, isPublicAddress } from '@joinery/config';
import type { Logger } from '@joinery/logging';
import type { AsyncAnswerSender } from '../../domain/ports.js';
import type { TlsMaterial } from './bi-http-app.js';

export type ClientTls = Pick<TlsMaterial, 'certPem' | 'keyPem'>;

/** Resolves a host name to every address it has (default: the system resolver, as `dns.lookup` does). */
export type Resolve = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export interface HttpAsyncSenderOptions {
  readonly logger: Logger;
  /**
   * The client certificate presented to peers that require mTLS: one for every answer, or one per SenderID (the
   * JoinEUI the answer is sent as; ChirpStack v3 refuses an answer whose certificate CN is not its SenderID).
   */
  readonly clientTls?: ClientTls | ((senderId: string) => Promise<ClientTls>);
  /**
   * An extra trust anchor for every callback server (Joinery's own CA, or the operator's): added to the system store,
   * never in its place. The NS's own callback CA, registered with it, comes with each answer.
   */
  readonly caPem?: string;
  /** Total time for all attempts (the NS stops waiting after its async timeout). */
  readonly budgetMs: number;
  /** Lets callbacks reach loopback and private addresses (`JOINERY_ALLOW_PRIVATE_ASYNC_URLS`; default false). */
  readonly allowPrivateAddresses?: boolean;
  /** Tests: the resolver behind the connection's address check. */
  readonly resolve?: Resolve;
  /** Tests: the system trust store (default `tls.rootCertificates`). */
  readonly systemCaPems?: readonly string[];
}

/** The error of a connection refused because of where it would go (not retried: the answer would never arrive). */
export class CallbackAddressRefused extends Error {
  readonly code = 'ERR_CALLBACK_ADDRESS_NOT_PUBLIC';
}

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for the callback's socket: it resolves the name and hands the socket only public addresses, so the check
 * and the connection use the same answer and a name that rebinds to a private address between them gets nowhere.
 */
export function publicOnlyLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    resolve(hostname).then(
      (addresses) => {
        const allowed = addresses.filter(
          (a) => isPublicAddress(a.address) && (family === 0 || a.family === family),
        );
        const first = allowed[0];
        if (first === undefined)
          callback(new CallbackAddressRefused(`${hostname} resolves to no public address`), '', 0);
        else if (options.all === true)
          callback(
            null,
            allowed.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/** What a callback's TLS client trusts: the system store, plus the operator's CA, plus the NS's own callback CA. */
export function callbackTrust(
  options: Pick<HttpAsyncSenderOptions, 'caPem' | 'systemCaPems'>,
  callbackCaPem: string | undefined,
): string[] {
  const extra = [options.caPem, callbackCaPem].filter(
    (pem): pem is string => pem !== undefined && pem !== '',
  );
  return [...(options.systemCaPems ?? rootCertificates), ...extra];
}

interface Transport {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  readonly lookup: LookupFunction | undefined;
}

function postOnce(
  url: URL,
  body: string,
  transport: Transport,
  tls: { clientTls: ClientTls | undefined; ca: string[] },
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const common = {
      method: 'POST',
      headers,
      timeout: timeoutMs,
      ...(transport.lookup === undefined ? {} : { lookup: transport.lookup }),
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, {
            ...common,
            agent: transport.https,
            ...(tls.clientTls === undefined
              ? {}
              : { cert: tls.clientTls.certPem, key: tls.clientTls.keyPem }),
            ca: tls.ca,
            minVersion: 'TLSv1.2',
          })
        : httpRequest(url, { ...common, agent: transport.http });
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
 * anything else is retried, because an NS that misses the answer loses the join. Unless private addresses are
 * allowed, a callback at a non-public IP or local name is refused before any connection, and a name is connected to
 * only at the public addresses it resolves to (checked at connection time). The sender keeps its own connection
 * pools, so connections made under another policy are never reused.
 */
export function createHttpAsyncSender(options: HttpAsyncSenderOptions): AsyncAnswerSender {
  const allowPrivate = options.allowPrivateAddresses === true;
  const transport: Transport = {
    http: new HttpAgent({ keepAlive: true }),
    https: new HttpsAgent({ keepAlive: true }),
    lookup: allowPrivate ? undefined : publicOnlyLookup(options.resolve ?? systemResolve),
  };
  return {
    async send(url, answer, context) {
      const target = new URL(url);
      const logFacts = { dev_eui: context.devEui, transaction_id: context.transactionId, host: target.host };
      const refusal = allowPrivate ? undefined : callbackHostRefusal(target);
      if (refusal !== undefined) {
        options.logger.warn(
          { ...logFacts, reason: refusal },
          'asynchronous answer not sent: callback address not public',
        );
        throw new CallbackAddressRefused(
          `asynchronous answer not sent: ${target.hostname} is not a public address`,
        );
      }
      const body = JSON.stringify(answer);
      const ca = callbackTrust(options, context.callbackCaPem);
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
          const status = await postOnce(target, body, transport, { clientTls, ca }, Math.max(100, left));
          if (status >= 200 && status < 300) return;
          outcome = `HTTP ${status}`;
        } catch (err) {
          outcome = err instanceof Error ? err.message : String(err);
          if (err instanceof CallbackAddressRefused) {
            options.logger.warn(
              { ...logFacts, attempt, outcome },
              'asynchronous answer not sent: callback address not public',
            );
            throw err;
          }
        }
        options.logger.warn({ ...logFacts, attempt, outcome }, 'asynchronous answer not accepted');
        if (Date.now() + delayMs >= giveUpAt)
          throw new Error(`asynchronous answer not delivered after ${attempt} attempts: ${outcome}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs *= 3;
      }
    },
  };
}
