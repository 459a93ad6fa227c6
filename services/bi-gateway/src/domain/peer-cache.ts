/**
 * Who a credential belongs to, remembered for a short time so that a busy NS is not authenticated by claims twice per
 * join (the gateway asks `AuthenticatePeer` to tell UnknownSender from UnknownDevEUI, and claims authenticates again
 * inside `Authorize`). Safe to cache: every activation is still authorized by claims with the credential, so a
 * revoked credential is refused at once; the handler drops the entry on such a refusal and asks again, so even the
 * result code stays the one an uncached lookup gives. Only successful lookups are kept.
 */
export class PeerCache<P> {
  readonly #entries = new Map<string, { peer: P; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; maxEntries?: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get(key: string): P | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt > this.#now()) return hit.peer;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, peer: P): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.delete(key);
    // Oldest first: Map keeps insertion order.
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { peer, expiresAt: this.#now() + this.#ttlMs });
  }

  /** Forgets a credential; true when it was cached. */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }
}
