import type { AttemptPolicy, AttemptReservation } from '../../domain/ports.js';

/** One reserved attempt of a counter: when, and the token that releases it. */
export interface AttemptHit {
  readonly t: number;
  readonly id: string;
}

/**
 * Whether one more attempt fits `policy`, given the hits still inside the window (ascending by time). The Redis
 * script in redis-kv.ts makes the same decision.
 */
export function decideAttempt(
  hits: readonly AttemptHit[],
  nowMs: number,
  policy: AttemptPolicy,
): { readonly granted: true } | { readonly granted: false; readonly retryAfterMs: number } {
  const n = hits.length;
  if (n >= policy.limit) {
    const oldest = hits[n - policy.limit]?.t ?? nowMs;
    return { granted: false, retryAfterMs: Math.max(1, oldest + policy.windowMs - nowMs) };
  }
  if (n > 0 && n >= policy.free) {
    const wait = Math.min(policy.baseDelayMs * 2 ** (n - policy.free), policy.windowMs);
    const next = (hits[n - 1]?.t ?? nowMs) + wait;
    if (nowMs < next) return { granted: false, retryAfterMs: next - nowMs };
  }
  return { granted: true };
}

/** Drops expired hits, decides, and adds the new hit when granted; `hits` is the stored list (any order). */
export function reserveInList(
  stored: readonly AttemptHit[],
  nowMs: number,
  policy: AttemptPolicy,
  id: string,
): { readonly hits: AttemptHit[]; readonly reservation: AttemptReservation } {
  const hits = stored.filter((h) => h.t > nowMs - policy.windowMs).sort((a, b) => a.t - b.t);
  const decision = decideAttempt(hits, nowMs, policy);
  if (!decision.granted) return { hits, reservation: decision };
  hits.push({ t: nowMs, id });
  return { hits, reservation: { granted: true, count: hits.length, token: id } };
}
