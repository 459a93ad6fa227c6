import { gatewayErrors } from './errors.js';

/** The time left of a request's deadline, as the timeout of the next call it makes. */
export class RequestBudget {
  readonly #now: () => number;
  readonly #minKeysBudgetMs: number;

  /**
   * `minKeysBudgetMs`: keys is not called with less of the deadline left than this: the answer would come too late,
   * and keys would have spent a JoinNonce for it.
   */
  constructor(options: { now: () => number; minKeysBudgetMs: number }) {
    this.#now = options.now;
    this.#minKeysBudgetMs = options.minKeysBudgetMs;
  }

  timeout(deadline: number, atLeastMs = 1): { timeoutMs: number } {
    const left = deadline - this.#now();
    if (left < atLeastMs) throw gatewayErrors.deadline_exceeded();
    return { timeoutMs: left };
  }

  /** The keys call's budget; refused (keys not called, no JoinNonce spent) when too little is left to be useful. */
  keys(deadline: number): { timeoutMs: number } {
    return this.timeout(deadline, this.#minKeysBudgetMs);
  }
}
