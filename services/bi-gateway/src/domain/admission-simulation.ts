// A deterministic model of the gateway under load, for the admission tests: one event loop serving the admitted
// requests first come first served, on a fake clock, with seeded noise. No timers, no real time: every figure a test
// asserts is a function of the seed.
import { Admission, type AdmissionOptions, type AdmissionTicket } from './admission.js';

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
  /**
   * A starved process (the machine's other work takes the cores): it gets the CPU for `runMs` of every `runMs +
   * pauseMs`. Only with `ServerModel.readMs` (the model of the event loop reading the requests itself).
   */
  readonly cpu?: { readonly runMs: number; readonly pauseMs: number };
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
  /**
   * The event loop's work to read one request and answer it (HTTP parsing, the answer written), ms, admitted or
   * refused. When set, the event loop itself reads the requests, first come first served with the joins' work (as
   * Node's poll phase reads every socket ready before the joins' next turns run): a request's admission is decided
   * when it is read, not when it arrives, and a refusal costs the loop this long. Unset, admission is decided as each
   * request arrives, and a refusal costs nothing.
   */
  readonly readMs?: number;
  /**
   * With `readMs`: a join's work (`serviceMs`) is done in this many turns of the event loop, as a join waits for claims
   * and then keys between them; the requests read meanwhile are read before its next turn. Default 1.
   */
  readonly turns?: number;
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
    if (model.readMs !== undefined) return runReading(load, model.readMs);
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
  /** `run` with the event loop reading the requests (`ServerModel.readMs`), on a CPU that may be starved. */
  const runReading = (load: SimulatedLoad, readMs: number): PhaseResult => {
    const end = clock.now + load.ms;
    const period = load.cpu === undefined ? 0 : load.cpu.runMs + load.cpu.pauseMs;
    /** When `workMs` of the event loop's work started at `from` is done (the process runs in slices when starved). */
    const done = (from: number, workMs: number): number => {
      if (load.cpu === undefined) return from + workMs;
      const { runMs } = load.cpu;
      // Slice by slice, counted as whole periods so that rounding cannot stall it.
      let slice = Math.floor(from / period);
      let time = from;
      if (time >= slice * period + runMs) time = ++slice * period;
      let left = workMs;
      for (;;) {
        const free = slice * period + runMs - time;
        if (left <= free) return time + left;
        left -= free;
        time = ++slice * period;
      }
    };
    /** When the process next has the CPU, from `time`. */
    const running = (time: number): number => done(time, 0);
    const result = {
      accepted: [] as number[],
      refused: 0,
      leastLimit: admission.concurrencyLimit,
      greatestLimit: admission.concurrencyLimit,
    };
    /** Requests sent and not yet read (arrival time, client; -1: the open loop), in arrival order. */
    const arrivals: { at: number; client: number }[] = [];
    const arrive = (client: number, at: number) => {
      if (at >= end) return;
      let i = arrivals.length;
      while (i > 0 && arrivals[i - 1]!.at > at) i -= 1;
      arrivals.splice(i, 0, { at, client });
    };
    /** Admitted joins waiting for the event loop, in the order they were read. */
    const joins: {
      queuedAt: number;
      sentAt: number;
      client: number;
      ticket: AdmissionTicket;
      /** Turns done, and the work of each. */
      turn: number;
      turnMs: number;
    }[] = [];
    const turns = model.turns ?? 1;
    let nextOpen = load.rate === undefined ? Number.POSITIVE_INFINITY : clock.now;
    for (let c = 0; c < (load.clients ?? 0); c += 1) arrive(c, clock.now + c * 0.1);
    let loopAt = Math.max(clock.now, freeAt);
    for (;;) {
      if (nextOpen < end && nextOpen <= (arrivals[0]?.at ?? Number.POSITIVE_INFINITY)) {
        arrive(-1, nextOpen);
        nextOpen += 1000 / load.rate!;
      }
      const read = arrivals[0];
      const join = joins[0];
      if (read === undefined && join === undefined) {
        if (nextOpen < end) continue;
        break;
      }
      // First come first served: a request sent before the join was queued is read first.
      if (read !== undefined && (join === undefined || read.at <= join.queuedAt)) {
        // The open loop's next request may have been sent before this one is read: it queues behind it.
        if (nextOpen < end && nextOpen < read.at) continue;
        arrivals.shift();
        const startsAt = running(Math.max(loopAt, read.at));
        clock.now = startsAt;
        const ticket = admission.arrive();
        result.leastLimit = Math.min(result.leastLimit, admission.concurrencyLimit);
        result.greatestLimit = Math.max(result.greatestLimit, admission.concurrencyLimit);
        loopAt = done(startsAt, readMs);
        if (ticket.admitted)
          joins.push({ queuedAt: loopAt, sentAt: read.at, client: read.client, ticket, turn: 0, turnMs: 0 });
        else {
          clock.now = loopAt;
          ticket.release({ measured: false });
          result.refused += 1;
          if (read.client >= 0) arrive(read.client, loopAt + 0.2);
        }
        continue;
      }
      joins.shift();
      const startsAt = running(Math.max(loopAt, join!.queuedAt));
      clock.now = startsAt;
      if (join!.turn === 0) {
        if (!admission.mayProceed(join!.ticket)) {
          join!.ticket.release({ measured: false });
          result.refused += 1;
          if (join!.client >= 0) arrive(join!.client, startsAt + 0.2);
          continue;
        }
        join!.turnMs = (model.serviceMs(random) + (model.stallMs?.(random) ?? 0)) / turns;
      }
      loopAt = done(startsAt, join!.turnMs);
      join!.turn += 1;
      if (join!.turn < turns) {
        // Its next turn comes after the requests read meanwhile (the next poll phase).
        let i = joins.length;
        while (i > 0 && joins[i - 1]!.queuedAt > loopAt) i -= 1;
        joins.splice(i, 0, { ...join!, queuedAt: loopAt });
        continue;
      }
      clock.now = loopAt;
      join!.ticket.release();
      result.accepted.push(loopAt - join!.sentAt);
      if (join!.client >= 0) arrive(join!.client, loopAt);
    }
    clock.now = Math.max(clock.now, end);
    freeAt = loopAt;
    return result;
  };
  return { admission, run };
}

/** The `p`th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
