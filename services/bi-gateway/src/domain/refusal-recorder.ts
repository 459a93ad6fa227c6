import type { MessageInitShape } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import type { RecordRefusalRequestSchema } from '@joinery/proto/keys/v1/keys_pb';

export type RefusalRecord = MessageInitShape<typeof RecordRefusalRequestSchema>;

/**
 * The error detail with which keys says a refusal is already in the join stream (keys.proto, HandleJoin): the id of
 * its JoinEvent. A failure of HandleJoin/HandleRejoin without it is recorded by the gateway.
 */
export const refusalEventIdDetail = 'event_id';

export interface RefusalRecorderOptions {
  /** Writes one refusal into the join stream (keys `RecordRefusal`). */
  readonly send: (refusal: RefusalRecord) => Promise<unknown>;
  readonly logger: Logger;
  /** Refusals waiting or being written at most; past that a new one is lost (counted). Default 1,000. */
  readonly maxPending?: number;
  /** `send` calls at once: the most extra load a storm of refusals puts on keys. Default 2. */
  readonly concurrency?: number;
  /** A refusal still unwritten this long after it was decided is given up. Default 60 s. */
  readonly maxAgeMs?: number;
  /** First pause after keys was unreachable; doubled on each failure in a row up to `maxBackoffMs`. Default 100 ms. */
  readonly backoffMs?: number;
  /** Default 5 s. */
  readonly maxBackoffMs?: number;
  /** Called once per refusal given up (queue full, too old, or refused by keys). */
  readonly onLost?: () => void;
  readonly now?: () => number;
}

interface Pending {
  readonly refusal: RefusalRecord;
  readonly at: number;
}

/** At most one warning per this many ms about lost refusals, with the count since the last one. */
const lossWarningIntervalMs = 10_000;

/**
 * Writes the refusals the gateway decides itself (unknown sender, wrong NS, rate limit) or that keys could not write
 * (keys unreachable), so that every refused join of an authenticated NS becomes a join event. No answer waits for
 * it. It is bounded, so a storm of refusals cannot become a storm of writes: at most `concurrency` calls run and
 * `maxPending` refusals wait, and a refusal beyond that is lost, counted and logged. While keys is unreachable
 * (`unavailable`), the queue pauses and tries again with a growing pause, so the refusals of a short outage reach the
 * join stream once keys is back.
 *
 * A retried call whose connection was cut may have been written already: such a refusal can appear twice in the
 * stream (never an accepted join; those are written by keys in the same transaction as the join).
 */
export class RefusalRecorder {
  readonly #options: Required<Omit<RefusalRecorderOptions, 'onLost'>> &
    Pick<RefusalRecorderOptions, 'onLost'>;
  readonly #queue: Pending[] = [];
  #running = 0;
  #failuresInARow = 0;
  #pausedUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lost = 0;
  #lostSinceWarning = 0;
  #lastWarning = Number.NEGATIVE_INFINITY;
  #idle: (() => void)[] = [];
  #closed = false;

  constructor(options: RefusalRecorderOptions) {
    this.#options = {
      maxPending: 1000,
      concurrency: 2,
      maxAgeMs: 60_000,
      backoffMs: 100,
      maxBackoffMs: 5000,
      now: Date.now,
      ...options,
    };
  }

  /** Refusals not yet written: waiting, paused or in flight. */
  get pending(): number {
    return this.#queue.length + this.#running;
  }

  /** Refusals given up since start. */
  get lost(): number {
    return this.#lost;
  }

  record(refusal: RefusalRecord): void {
    if (this.#closed || this.pending >= this.#options.maxPending) {
      this.#lose(this.#closed ? 'closed' : 'queue_full');
      return;
    }
    this.#queue.push({ refusal, at: this.#options.now() });
    this.#pump();
  }

  /** Waits until every refusal is written or given up, or `timeoutMs` passed; then takes no more. */
  async close(timeoutMs: number): Promise<void> {
    if (this.pending > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const left = this.#queue.splice(0);
    for (const _ of left) this.#lose('closed');
  }

  #pump(): void {
    if (this.#closed) return;
    const wait = this.#pausedUntil - this.#options.now();
    if (wait > 0) {
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#pausedUntil = 0;
          this.#pump();
        }, wait);
        this.#timer.unref();
      }
      return;
    }
    while (this.#running < this.#options.concurrency && this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      if (this.#options.now() - item.at > this.#options.maxAgeMs) {
        this.#lose('too_old');
        continue;
      }
      this.#running += 1;
      void this.#send(item);
    }
    this.#notifyIdle();
  }

  async #send(item: Pending): Promise<void> {
    try {
      await this.#options.send(item.refusal);
      this.#failuresInARow = 0;
    } catch (err) {
      const error = JoineryError.from(err);
      if (error.kind === 'unavailable' && !this.#closed) {
        // Keys is unreachable: this refusal goes back to the front, and the whole queue waits.
        this.#queue.unshift(item);
        this.#failuresInARow += 1;
        const pause = Math.min(
          this.#options.maxBackoffMs,
          this.#options.backoffMs * 2 ** (this.#failuresInARow - 1),
        );
        this.#pausedUntil = Math.max(this.#pausedUntil, this.#options.now() + pause);
      } else {
        this.#lose(error.code);
      }
    } finally {
      this.#running -= 1;
      this.#pump();
    }
  }

  #lose(reason: string): void {
    this.#lost += 1;
    this.#lostSinceWarning += 1;
    this.#options.onLost?.();
    const now = this.#options.now();
    if (now - this.#lastWarning >= lossWarningIntervalMs) {
      this.#options.logger.warn(
        { lost: this.#lostSinceWarning, reason, pending: this.pending },
        'refused joins not recorded as join events',
      );
      this.#lastWarning = now;
      this.#lostSinceWarning = 0;
    }
  }

  #notifyIdle(): void {
    if (this.pending > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
