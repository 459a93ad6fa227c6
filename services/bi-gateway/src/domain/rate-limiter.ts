/** A token bucket per peer: `ratePerSecond` sustained, `burst` at once. Memory is bounded by the number of peers. */
export class PeerRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;

  constructor(options: { ratePerSecond: number; burst: number; now?: () => number }) {
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one token for `peer`; false when the bucket is empty. */
  tryTake(peer: string): boolean {
    const now = this.#now();
    const bucket = this.#buckets.get(peer) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(peer, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
