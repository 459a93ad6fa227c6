/**
 * Remembers the outcome of a JoinReq for a short window, keyed by what makes two requests "the same" (DevEUI,
 * PHYPayload — which carries the DevNonce — and the sender), so that a retried or raced request gets the same answer
 * instead of a DevNonce replay error. Concurrent identical requests share one in-flight computation.
 * TransactionID is deliberately not part of the key: TTS always sends 0.
 */
export class DuplicateCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; expiresAt: number }>();
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { windowMs: number; maxEntries?: number; now?: () => number }) {
    this.#windowMs = options.windowMs;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The cached value for `key`, or the result of `compute()` (cached when it resolves to a value `keep` accepts;
   * failures and refusals are not cached, so a later attempt is handled afresh).
   */
  async getOrCompute(
    key: string,
    compute: () => Promise<V>,
    keep: (value: V) => boolean,
  ): Promise<{ value: V; duplicate: boolean }> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.expiresAt > now) return { value: await hit.value, duplicate: true };
    this.#evict(now);
    const value = compute();
    this.#entries.set(key, { value, expiresAt: now + this.#windowMs });
    try {
      const resolved = await value;
      if (!keep(resolved)) this.#entries.delete(key);
      return { value: resolved, duplicate: false };
    } catch (err) {
      this.#entries.delete(key);
      throw err;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #evict(now: number): void {
    if (this.#entries.size < this.#maxEntries) return;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now || this.#entries.size >= this.#maxEntries) this.#entries.delete(key);
      else break;
    }
  }
}
