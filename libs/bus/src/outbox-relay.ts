import type { BusRecord, Logger } from './bus.js';

/** A transactional outbox as the relay sees it: read the oldest records, delete the delivered ones. */
export interface OutboxSource {
  read(limit: number): Promise<readonly { id: string; topic: string; key: string; value: Uint8Array }[]>;
  ack(ids: readonly string[]): Promise<void>;
}

export interface OutboxRelayOptions {
  readonly source: OutboxSource;
  /** Delivers a batch; resolves once the bus has it. A rejection leaves the batch in the outbox for a retry. */
  readonly publish: (records: readonly BusRecord[]) => Promise<void>;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Pause when the outbox is empty; 100 ms unless set. */
  readonly idleMs?: number;
  /** Pause after a failed publish; 1000 ms unless set. */
  readonly retryMs?: number;
}

export interface OutboxRelay {
  /** Finishes the batch in flight, then stops. */
  stop(): Promise<void>;
  /** Resolves once the outbox has been seen empty after this call (tests, orderly shutdown). */
  drained(): Promise<void>;
}

/**
 * Moves outbox records to the bus: read oldest first, publish, then ack (delete). At least once: a crash between
 * publish and ack publishes the batch again, and consumers deduplicate (by event id, or by what the event means).
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  let running = true;
  let wake: (() => void) | undefined;
  let waiters: (() => void)[] = [];
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (running) {
      let batch: readonly { id: string; topic: string; key: string; value: Uint8Array }[] = [];
      try {
        batch = await options.source.read(batchSize);
        if (batch.length === 0) {
          for (const resolve of waiters.splice(0)) resolve();
          await pause(options.idleMs ?? 100);
          continue;
        }
        await options.publish(batch);
        await options.source.ack(batch.map((r) => r.id));
      } catch (err) {
        options.logger.warn({ err, batch_size: batch.length }, 'outbox relay failed; retrying');
        await pause(options.retryMs ?? 1000);
      }
    }
    for (const resolve of waiters.splice(0)) resolve();
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
    drained() {
      const seen = new Promise<void>((resolve) => (waiters = [...waiters, resolve]));
      wake?.();
      return seen;
    },
  };
}
