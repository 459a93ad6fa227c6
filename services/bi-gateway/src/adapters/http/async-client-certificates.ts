import { ExpiringCache } from '../../domain/expiring-cache.js';
import type { ClaimsClient } from '../../domain/ports.js';
import type { ClientTls } from './async-sender.js';

export interface AsyncClientCertificatesOptions {
  /** A certificate is asked for again after this long (it is valid for a year). Default 24 h. */
  readonly maxAgeMs?: number;
  /** JoinEUIs remembered at most; the oldest is forgotten first. Default 1,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * The gateway's client certificates for asynchronous answers, one per JoinEUI (CN = the JoinEUI as the answers'
 * SenderID writes it), issued by claims from Joinery's CA and kept for a while. A failed issue is not kept: the next
 * answer asks again.
 */
export class AsyncClientCertificates {
  readonly #claims: Pick<ClaimsClient, 'issueAsyncClientCertificate'>;
  readonly #cache: ExpiringCache<Promise<ClientTls>>;

  constructor(
    claims: Pick<ClaimsClient, 'issueAsyncClientCertificate'>,
    options: AsyncClientCertificatesOptions = {},
  ) {
    this.#claims = claims;
    this.#cache = new ExpiringCache({
      ttlMs: options.maxAgeMs ?? 24 * 3600_000,
      maxEntries: options.maxEntries ?? 1000,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }

  /** The certificate and key to present for answers sent as `joinEui` (16 hex digits, as in SenderID). */
  for(joinEui: string): Promise<ClientTls> {
    const hit = this.#cache.get(joinEui);
    if (hit !== undefined) return hit;
    const tls = this.#claims
      .issueAsyncClientCertificate({ joinEui: Buffer.from(joinEui, 'hex') }, { timeoutMs: 5000 })
      .then((issued) => ({ certPem: issued.certPem, keyPem: issued.keyPem }));
    this.#cache.set(joinEui, tls);
    tls.catch(() => {
      if (this.#cache.get(joinEui) === tls) this.#cache.delete(joinEui);
    });
    return tls;
  }
}
