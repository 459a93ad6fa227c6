import { createHash } from 'node:crypto';

/**
 * The duplicate-cache key of a parsed request: every field it carries except `transactionId` (TTS always sends 0, and
 * a retry may carry a new one), in a canonical form (fields sorted, bytes as hex, nested objects with sorted keys),
 * plus `scope` (the caller's credential). Two JoinReqs with the same PHYPayload (so the same DevNonce) but another
 * DevAddr, DLSettings, RxDelay, CFList, MACVersion, SenderNSID or token are different requests: ChirpStack allocates
 * a DevAddr per join and never retries, so the second must not get the first one's accept. Hashed, so that the
 * credential is not kept in memory as given.
 */
export function requestKey(message: object, scope: string): string {
  const fields = Object.entries(message)
    .filter(([name, value]) => name !== 'transactionId' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => [name, canonical(value)]);
  return createHash('sha256')
    .update(JSON.stringify([scope, fields]))
    .digest('base64');
}

function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]);
  return value;
}

/**
 * Remembers the outcome of a JoinReq for a short window, keyed by what makes two requests "the same" (`requestKey`:
 * the whole request but its TransactionID, and the caller), so that a retried or raced request gets the same answer
 * instead of a DevNonce replay error. Concurrent identical requests share one in-flight computation.
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
