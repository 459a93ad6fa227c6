// A deterministic model of the gateway under load, for the admission tests: one event loop serving the admitted
// requests first come first served, on a fake clock, with seeded noise. No timers, no real time: every figure a test
// asserts is a function of the seed.
import { Admission, type AdmissionOptions } from './admission.js';

/** A small, seeded pseudo-random generator (mulberry32): the same seed gives the same load. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulatedLoad {
  /** How long the phase lasts, ms. */
  readonly ms: number;
  /** Open loop: a request every `1000 / rate` ms whatever the answers. */
  readonly rate?: number;
  /** Closed loop: this many clients, each sending its next request as soon as its previous one is answered. */
  readonly clients?: number;
}

export interface PhaseResult {
  /** Latencies (arrival to answer, ms) of the admitted and answered requests. */
  readonly accepted: number[];
  /** Requests refused (on arrival, or when handled after waiting too long). */
  readonly refused: number;
  /** The least and the greatest concurrency limit seen by the phase's arrivals. */
  readonly leastLimit: number;
  readonly greatestLimit: number;
}

export interface SimulatedServer {
  readonly admission: Admission;
  /** Runs one load to its end (the requests in flight at the end are answered before the next phase starts). */
  run(load: SimulatedLoad): PhaseResult;
}

export interface ServerModel {
  /** The event loop's work for one admitted request, ms. */
  serviceMs(random: () => number): number;
  /**
   * Scheduling noise: the whole process stalls this long (the machine's other work) before serving an admitted
   * request, ms, or 0. Called once per admitted request; the stall delays it and every request after it.
   */
  stallMs?(random: () => number): number;
}

/**
 * The gateway as one event loop in front of `Admission` (the options given, the clock and event-loop delay its own):
 * an admitted request is served after those before it (`ServerModel.serviceMs` each, plus any stall) and released,
 * measured, when it is answered; `mayProceed` is asked as its service starts. A refusal costs nothing and is answered
 * at once (in a closed loop its client sends the next request 0.2 ms later).
 */
export function simulatedServer(
  options: Omit<AdmissionOptions, 'now' | 'eventLoopDelayMs'>,
  model: ServerModel,
  seed = 1,
): SimulatedServer {
  const random = seededRandom(seed);
  const clock = { now: 0 };
  const admission = new Admission({ ...options, now: () => clock.now });
  /** When the event loop is done with the requests admitted so far. */
  let freeAt = 0;
  /** `fn` as seen at `time` (a request's service starts after the others before it). */
  const at = <T>(time: number, fn: () => T): T => {
    const now = clock.now;
    clock.now = time;
    try {
      return fn();
    } finally {
      clock.now = now;
    }
  };
  const run = (load: SimulatedLoad): PhaseResult => {
    const end = clock.now + load.ms;
    /** Pending events, soonest last: a request arriving (from client `client`), or an answer. */
    const events: { at: number; arrive?: number; answer?: () => void }[] = [];
    const schedule = (event: (typeof events)[number]) => {
      let i = events.length;
      while (i > 0 && events[i - 1]!.at <= event.at) i -= 1;
      events.splice(i, 0, event);
    };
    const result = {
      accepted: [] as number[],
      refused: 0,
      leastLimit: admission.concurrencyLimit,
      greatestLimit: admission.concurrencyLimit,
    };
    const nextArrival = (client: number, at: number) => {
      if (at < end) schedule({ at, arrive: client });
    };
    if (load.rate !== undefined) nextArrival(-1, clock.now);
    for (let c = 0; c < (load.clients ?? 0); c += 1) nextArrival(c, clock.now + c * 0.1);
    for (let event = events.pop(); event !== undefined; event = events.pop()) {
      clock.now = event.at;
      if (event.answer !== undefined) {
        event.answer();
        continue;
      }
      const client = event.arrive!;
      if (client === -1) nextArrival(-1, clock.now + 1000 / load.rate!);
      const ticket = admission.arrive();
      result.leastLimit = Math.min(result.leastLimit, admission.concurrencyLimit);
      result.greatestLimit = Math.max(result.greatestLimit, admission.concurrencyLimit);
      const startsAt = Math.max(clock.now, freeAt) + (ticket.admitted ? (model.stallMs?.(random) ?? 0) : 0);
      if (!(ticket.admitted && at(startsAt, () => admission.mayProceed(ticket)))) {
        result.refused += 1;
        ticket.release({ measured: false });
        if (client >= 0) nextArrival(client, clock.now + 0.2);
        continue;
      }
      freeAt = startsAt + model.serviceMs(random);
      const arrivedAt = clock.now;
      schedule({
        at: freeAt,
        answer: () => {
          ticket.release();
          result.accepted.push(clock.now - arrivedAt);
          if (client >= 0) nextArrival(client, clock.now);
        },
      });
    }
    return result;
  };
  return { admission, run };
}

/** The `p`th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
