import type { JoinEvent } from '@joinery/proto/events/v1/events_pb';

export type JoinEventListener = (event: JoinEvent) => void;

/**
 * Join events as they happen, fanned out to the live activity streams of this console process. Fed by a bus
 * subscription of its own (embedded: the in-process bus; distributed: a Kafka consumer group per console process,
 * from the newest record on), so every console replica sees every event. Nothing is kept: a stream sees what happens
 * while it is open; the past is `ListJoinActivity`.
 */
export class ActivityHub {
  readonly #listeners = new Set<JoinEventListener>();

  /** Starts calling `listener` with every event; returns the unsubscribe. */
  subscribe(listener: JoinEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  /** Never throws: a listener that fails is its own problem, not the bus's (which would redeliver the batch). */
  publish(events: readonly JoinEvent[]): void {
    for (const event of events)
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch {
          // The listener's stream is closed or broken; it unsubscribes itself when its socket closes.
        }
      }
  }
}
