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
  readonly #entries = new Map<string, { at: number; tls: Promise<ClientTls> }>();
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(claims: Pick<ClaimsClient, 'issueAsyncClientCertificate'>, options: AsyncClientCertificatesOptions = {}) {
    this.#claims = claims;
    this.#maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The certificate and key to present for answers sent as `joinEui` (16 hex digits, as in SenderID). */
  for(joinEui: string): Promise<ClientTls> {
    const now = this.#now();
    const hit = this.#entries.get(joinEui);
    if (hit !== undefined && now - hit.at < this.#maxAgeMs) return hit.tls;
    this.#entries.delete(joinEui);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    const tls = this.#claims
      .issueAsyncClientCertificate({ joinEui: Buffer.from(joinEui, 'hex') }, { timeoutMs: 5000 })
      .then((issued) => ({ certPem: issued.certPem, keyPem: issued.keyPem }));
    const entry = { at: now, tls };
    this.#entries.set(joinEui, entry);
    tls.catch(() => {
      if (this.#entries.get(joinEui) === entry) this.#entries.delete(joinEui);
    });
    return tls;
  }
}
