export interface AdaptiveLimitOptions {
  /** The limit never rises above this (`maxInFlight`). */
  readonly maxLimit: number;
  /** Nor falls below this. Default 2. */
  readonly minLimit?: number;
  /**
   * Where it starts, and where it comes back to once the load falls (a window as fast as at no load in which no
   * arrival came near the limit). Default 16 (or `maxLimit` if lower).
   */
  readonly initialLimit?: number;
  /**
   * How much slower than at no load the admitted requests may answer (a window's median) before the limit shrinks: 1.5
   * lets them take half as long again (one request's worth of waiting per two in service). Default 1.5.
   */
  readonly tolerance?: number;
  /** One window of answers, after which the limit is reconsidered. Default 50 ms. */
  readonly windowMs?: number;
  /** A window with fewer answers than this is not over yet (too few for a median). Default 8. */
  readonly minSamples?: number;
  /**
   * The no-load latency is the least window median over this long (so it follows a join path that became slower, such
   * as a keys service moved further away, within that time). Default 10 s.
   */
  readonly baselineMs?: number;
  /**
   * A slow window that served less than this fraction of the greatest throughput within `baselineMs` is a starved
   * process, not a queue: the limit climbs instead of shrinking (see `AdaptiveLimit`). Default 0.5.
   */
  readonly starvedThroughput?: number;
}

/**
 * A concurrency limit that follows the measured service time (gradient style, as Netflix's concurrency-limits
 * Gradient2 and TCP Vegas): each window compares the admitted requests' median latency (arrival to answer) with the
 * least median of the windows seen lately: the join path with no request waiting for another. A median, not the least
 * sample, so that one lucky request on a noisy machine is not taken for the no-load latency.
 *
 * The limit moves only on evidence of demand beyond it: in a window in which an arrival came near the limit (took its
 * last place or found it full), slower than `tolerance` times the no-load latency means requests are waiting for one
 * another, on the event loop or in claims or keys, and the limit shrinks in proportion (at most by half per window);
 * as fast, it grows by about its square root. A slow window in which no arrival came near the limit says nothing about
 * it: the machine or the join path was slow (scheduling noise, a stall), and refusing would not have made it faster
 * (Gradient2's "app-limited" rule, made strict). So a load that never has more than `initialLimit - 1` in flight is
 * never refused by the limit, however noisy its latency, and a window as fast as at no load and nowhere near the limit
 * (the overload is over) brings the limit back to `initialLimit`. The gateway thus admits about as many requests as it
 * can serve without queueing them under overload, and refuses the rest at once, whatever the cost of a join on this
 * machine.
 */
export class AdaptiveLimit {
  readonly #maxLimit: number;
  readonly #minLimit: number;
  readonly #tolerance: number;
  readonly #windowMs: number;
  readonly #minSamples: number;
  readonly #baselineMs: number;
  readonly #initialLimit: number;
  readonly #starved: number;
  #limit: number;
  #window: { startedAt: number; latencies: number[]; reached: boolean };
  /** The least window median and the greatest window throughput (answers/s) of each tenth of `baselineMs`, newest last. */
  #baseline: { startedAt: number; least: number; most: number }[] = [];
  /** A climb out of starvation under way: the limit before it and the throughput that prompted it. */
  #climb: { from: number; throughput: number } | undefined;

  constructor(options: AdaptiveLimitOptions, now: number) {
    this.#maxLimit = options.maxLimit;
    this.#minLimit = Math.min(options.minLimit ?? 2, options.maxLimit);
    this.#tolerance = options.tolerance ?? 1.5;
    this.#windowMs = options.windowMs ?? 50;
    this.#minSamples = options.minSamples ?? 8;
    this.#baselineMs = options.baselineMs ?? 10_000;
    this.#starved = options.starvedThroughput ?? 0.5;
    this.#initialLimit = Math.max(this.#minLimit, Math.min(options.initialLimit ?? 16, options.maxLimit));
    this.#limit = this.#initialLimit;
    this.#window = { startedAt: now, latencies: [], reached: false };
  }

  /** How many may be in flight now (whole requests). */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  /** The least window median within `baselineMs`; infinite before the first window. */
  get noLoadMs(): number {
    let least = Number.POSITIVE_INFINITY;
    for (const bucket of this.#baseline) least = Math.min(least, bucket.least);
    return least;
  }

  /** The greatest window throughput within `baselineMs`, answers/s; 0 before the first window. */
  get servedPerSecond(): number {
    let most = 0;
    for (const bucket of this.#baseline) most = Math.max(most, bucket.most);
    return most;
  }

  /** An arrival found `inFlight` requests in flight (before it was admitted or refused). */
  arrived(inFlight: number): void {
    if (inFlight + 1 >= this.limit) this.#window.reached = true;
  }

  /** An admitted request was answered `latencyMs` after it arrived. */
  answered(latencyMs: number, now: number): void {
    const window = this.#window;
    window.latencies.push(latencyMs);
    if (now - window.startedAt < this.#windowMs || window.latencies.length < this.#minSamples) return;
    const sorted = window.latencies.sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    const throughput = (1000 * sorted.length) / (now - window.startedAt);
    const served = this.servedPerSecond;
    this.#remember(median, throughput, now);
    const gradient = Math.min(1, (this.#tolerance * this.noLoadMs) / median);
    this.#window = { startedAt: now, latencies: [], reached: false };
    // Without an arrival near the limit the window says nothing about it, unless it was fast: then the load fell.
    if (!window.reached) {
      if (gradient === 1) this.#limit = Math.max(this.#limit, this.#initialLimit);
      this.#climb = undefined;
      return;
    }
    if (gradient === 1) {
      this.#limit = Math.min(this.#maxLimit, this.#limit + Math.max(1, Math.sqrt(this.#limit)));
      this.#climb = undefined;
      return;
    }
    // Slow, and serving far less than lately: not a queue of its own (a queue it holds serves at capacity) but a
    // starved process (it gets the CPU in short slices and refuses most of each slice's batch). The limit climbs one
    // at a time while each step serves more, and steps back when one did not.
    if (throughput < this.#starved * served) {
      const climb = this.#climb;
      if (climb === undefined || throughput > climb.throughput) {
        this.#climb = { from: this.#limit, throughput };
        this.#limit = Math.min(this.#maxLimit, this.#limit + 1);
      } else {
        this.#limit = climb.from;
        this.#climb = undefined;
      }
      return;
    }
    this.#climb = undefined;
    this.#limit = Math.max(this.#minLimit, this.#limit * Math.max(0.5, gradient));
  }

  #remember(medianMs: number, throughput: number, now: number): void {
    const newest = this.#baseline.at(-1);
    if (newest !== undefined && now - newest.startedAt < this.#baselineMs / 10) {
      if (medianMs < newest.least) newest.least = medianMs;
      if (throughput > newest.most) newest.most = throughput;
      return;
    }
    this.#baseline.push({ startedAt: now, least: medianMs, most: throughput });
    while (now - this.#baseline[0]!.startedAt >= this.#baselineMs) this.#baseline.shift();
  }
}
