/** Admission of one request, taken when it arrives (before its body is read) and released when it is answered. */
export interface AdmissionTicket {
  /** When the request arrived (the clock of `Admission`); its deadline counts from here, not from when it is handled. */
  readonly arrivedAt: number;
  /** False: refused on arrival (too many in flight, or the event loop too far behind); it is not counted in flight. */
  readonly admitted: boolean;
  /** Idempotent; the edge calls it once the answer is sent or the request aborted. */
  release(): void;
}

export interface AdmissionOptions {
  /** Requests admitted and not yet answered (bodies still arriving included) beyond which new ones are refused. */
  readonly maxInFlight: number;
  /** A request that waited longer than this between arriving and being handled (body read, parsed) is refused. */
  readonly maxQueueAgeMs: number;
  /** While the event loop runs this far behind, new requests are refused on arrival (work is piling up). */
  readonly maxEventLoopDelayMs: number;
  readonly now?: () => number;
  /** How far behind the event loop is now, in ms (`eventLoopDelaySampler`); 0 when not measured. */
  readonly eventLoopDelayMs?: () => number;
}

/**
 * Load shedding at the edge. Under overload the expensive part of a request is what comes after parsing (the claims
 * and keys calls, and the CPU they cost everyone else), so a request is judged as soon as it arrives — by how many are
 * in flight and by how far behind the event loop is — and again when it is handled, by how long it has waited. A
 * refused request is still answered (a cheap BI answer, `Other`), but never reaches claims or keys, so refusals stay
 * fast and the admitted requests keep their latency.
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #now: () => number;
  readonly #delay: () => number;
  #inFlight = 0;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#delay = options.eventLoopDelayMs ?? (() => 0);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  now(): number {
    return this.#now();
  }

  arrive(): AdmissionTicket {
    const arrivedAt = this.#now();
    const admitted =
      this.#inFlight < this.#options.maxInFlight && this.#delay() <= this.#options.maxEventLoopDelayMs;
    if (!admitted) return { arrivedAt, admitted, release: () => undefined };
    this.#inFlight += 1;
    let released = false;
    return {
      arrivedAt,
      admitted,
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight -= 1;
      },
    };
  }

  /** May the request of `ticket` be handled now? False when it was refused on arrival or has waited too long. */
  mayProceed(ticket: AdmissionTicket): boolean {
    return ticket.admitted && this.#now() - ticket.arrivedAt <= this.#options.maxQueueAgeMs;
  }
}
