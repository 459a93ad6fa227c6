import { AdaptiveLimit, type AdaptiveLimitOptions } from './admission-limit.js';

/**
 * The process's CPU time (user and system, all its threads), in ms: the clock of the work the gateway itself does, which
 * stops while the machine runs other processes.
 */
export function processCpuTimeMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Admission of one request, taken when it arrives (before its body is read) and released when it is answered. */
export interface AdmissionTicket {
  /** When the request arrived (the clock of `Admission`); its deadline counts from here, not from when it is handled. */
  readonly arrivedAt: number;
  /** The process's CPU time when it arrived (`AdmissionOptions.cpuTimeMs`). */
  readonly arrivedAtCpuMs: number;
  /** False: refused on arrival (too many in flight, or the event loop too far behind); it is not counted in flight. */
  readonly admitted: boolean;
  /**
   * Idempotent; the edge calls it once the answer is sent or the request aborted. `measured: false`: the answer says
   * nothing about the join path's service time (a refusal, a failure, an answer deferred to a callback), so it is no
   * sample for the adaptive limit: a fast error while keys is down would otherwise pass for the no-load latency.
   */
  release(options?: { measured: boolean }): void;
}

export interface AdmissionOptions {
  /** Requests admitted and not yet answered (bodies still arriving included) beyond which new ones are refused. */
  readonly maxInFlight: number;
  /**
   * A request that waited longer than this between arriving and being handled (body read, parsed) is refused. Only
   * the gateway's own work counts (`cpuTimeMs`): a wait while the machine ran other processes is no queue here.
   */
  readonly maxQueueAgeMs: number;
  /** While the event loop runs this far behind, new requests are refused on arrival (work is piling up). */
  readonly maxEventLoopDelayMs: number;
  /**
   * Target time from arrival to answer. When even the fastest request answered during two busy `sojournIntervalMs` in a
   * row took longer than this, a queue stands inside the gateway (or behind it, in claims or keys): arrivals are
   * refused until an interval's fastest is back under it (CoDel's signal). One such interval is no evidence: a stall
   * of the machine makes every answer in it slow, even with a few in flight. Default 50 ms.
   */
  readonly targetSojournMs?: number;
  readonly sojournIntervalMs?: number;
  /** Fewer answers than this in an interval are no evidence of a queue (a few slow joins are just slow). Default 16. */
  readonly minAnswersPerInterval?: number;
  /**
   * After a busy interval, requests in flight are also held to what the gateway answered in it times the target
   * (Little's law: at that many in flight an answer takes the target), never below this. Default 32.
   */
  readonly minInFlightLimit?: number;
  /**
   * The concurrency limit that follows the measured service time (`AdaptiveLimit`, at most `maxInFlight`): on unless
   * `false`.
   */
  readonly adaptiveLimit?: Omit<AdaptiveLimitOptions, 'maxLimit'> | false;
  readonly now?: () => number;
  /**
   * The process's CPU time, ms (`processCpuTimeMs`). A request's queue age is the lesser of the time it waited and the
   * CPU time the process spent meanwhile: on a machine busy with other processes (a loaded CI host, a noisy neighbour)
   * the gateway may not run for hundreds of ms, and a request that waited through that alone is not behind work of the
   * gateway's; refusing it would relieve nothing. Without it, the wait counts whole (as if the process never stopped).
   */
  readonly cpuTimeMs?: () => number;
  /** How far behind the event loop is now, in ms (`eventLoopDelaySampler`); 0 when not measured. */
  readonly eventLoopDelayMs?: () => number;
}

/**
 * Load shedding at the edge. Under overload the expensive part of a request is what comes after parsing (the claims
 * and keys calls, and the CPU they cost everyone else), so a request is judged as soon as it arrives — by how many are
 * in flight (at most what it answers in the target latency, once busy), by how far behind the event loop is and by
 * whether answers have been slow for two whole intervals (a standing queue) — and again when it is handled, by how long
 * it has waited. The in-flight limit also protects against a queue the gateway cannot see: an NS whose connection pool
 * is full queues requests on its side, and only fast refusals of the excess drain it. A refused request is still answered (a cheap BI answer, `Other`), but never reaches claims or keys, so refusals stay
 * fast and the admitted requests keep their latency.
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #now: () => number;
  readonly #cpuTimeMs: (() => number) | undefined;
  readonly #delay: () => number;
  readonly #targetMs: number;
  readonly #intervalMs: number;
  readonly #minAnswers: number;
  readonly #minLimit: number;
  #inFlight = 0;
  #limit: number;
  /** The interval being observed: when it started and the fastest sojourn seen in it. */
  #window = { startedAt: 0, fastest: Number.POSITIVE_INFINITY, answers: 0 };
  #shedding = false;
  /** Busy intervals in a row whose fastest answer was slower than the target; two are a standing queue. */
  #slowIntervals = 0;
  readonly #adaptive: AdaptiveLimit | undefined;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#cpuTimeMs = options.cpuTimeMs;
    this.#delay = options.eventLoopDelayMs ?? (() => 0);
    this.#targetMs = options.targetSojournMs ?? 50;
    this.#intervalMs = options.sojournIntervalMs ?? 100;
    this.#minAnswers = options.minAnswersPerInterval ?? 16;
    this.#minLimit = options.minInFlightLimit ?? 32;
    this.#limit = options.maxInFlight;
    this.#window.startedAt = this.#now();
    this.#adaptive =
      options.adaptiveLimit === false
        ? undefined
        : new AdaptiveLimit(
            { ...options.adaptiveLimit, maxLimit: options.maxInFlight },
            this.#window.startedAt,
          );
  }

  /** The adaptive concurrency limit now (`AdaptiveLimit`); `maxInFlight` when it is off. */
  get concurrencyLimit(): number {
    return this.#adaptive?.limit ?? this.#options.maxInFlight;
  }

  /** True while a standing queue was seen (see `targetSojournMs`): arrivals are refused. */
  get shedding(): boolean {
    this.#roll(this.#now());
    return this.#shedding;
  }

  #roll(now: number): void {
    if (now - this.#window.startedAt < this.#intervalMs) return;
    // Busy intervals tell whether a queue stands (two slow ones in a row); a quiet one ends shedding once it has a
    // fast answer, or once nothing is in flight any more; otherwise it says nothing new.
    const { fastest, answers } = this.#window;
    if (answers >= this.#minAnswers) {
      this.#slowIntervals = fastest > this.#targetMs ? this.#slowIntervals + 1 : 0;
      this.#shedding = this.#slowIntervals >= 2;
      const littles = Math.ceil((answers * this.#targetMs) / (now - this.#window.startedAt));
      this.#limit = Math.min(this.#options.maxInFlight, Math.max(this.#minLimit, littles));
    } else {
      if (fastest <= this.#targetMs || this.#inFlight === 0) {
        this.#shedding = false;
        this.#slowIntervals = 0;
      }
      this.#limit = this.#options.maxInFlight;
    }
    this.#window = { startedAt: now, fastest: Number.POSITIVE_INFINITY, answers: 0 };
  }

  #answered(sojournMs: number, measured: boolean): void {
    const now = this.#now();
    if (measured) this.#adaptive?.answered(sojournMs, now);
    this.#roll(now);
    this.#window.answers += 1;
    if (sojournMs < this.#window.fastest) this.#window.fastest = sojournMs;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** How many may be in flight now: `maxInFlight`, or less after a busy interval (`minInFlightLimit`). */
  get inFlightLimit(): number {
    this.#roll(this.#now());
    return this.#limit;
  }

  now(): number {
    return this.#now();
  }

  arrive(): AdmissionTicket {
    const arrivedAt = this.#now();
    const arrivedAtCpuMs = this.#cpuTimeMs?.() ?? arrivedAt;
    this.#adaptive?.arrived(this.#inFlight);
    const admitted =
      this.#inFlight < this.concurrencyLimit &&
      this.#inFlight < this.inFlightLimit &&
      this.#delay() <= this.#options.maxEventLoopDelayMs &&
      !this.shedding;
    if (!admitted) return { arrivedAt, arrivedAtCpuMs, admitted, release: () => undefined };
    this.#inFlight += 1;
    let released = false;
    return {
      arrivedAt,
      arrivedAtCpuMs,
      admitted,
      release: (options) => {
        if (released) return;
        released = true;
        this.#inFlight -= 1;
        this.#answered(this.#now() - arrivedAt, options?.measured ?? true);
      },
    };
  }

  /**
   * May the request of `ticket` be handled now? False when it was refused on arrival or has waited too long behind the
   * gateway's own work (`cpuTimeMs`). Its deadline still counts in wall time (`RequestBudget`).
   */
  mayProceed(ticket: AdmissionTicket): boolean {
    if (!ticket.admitted) return false;
    const waitedMs = this.#now() - ticket.arrivedAt;
    const busyMs = this.#cpuTimeMs === undefined ? waitedMs : this.#cpuTimeMs() - ticket.arrivedAtCpuMs;
    return Math.min(waitedMs, busyMs) <= this.#options.maxQueueAgeMs;
  }
}
