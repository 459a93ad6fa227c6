import type { Logger, OutboxRecord, OutboxSource } from '../../domain/ports.js';

export interface OutboxRelay {
  /** Finishes the batch in flight, then stops. */
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  readonly source: OutboxSource;
  /** Delivers a batch; resolves once the broker has it. A rejection leaves the batch in the outbox for a retry. */
  readonly publish: (records: readonly OutboxRecord[]) => Promise<void>;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Pause when the outbox is empty; 100 ms unless set. */
  readonly idleMs?: number;
  /** Pause after a failed publish; 1000 ms unless set. */
  readonly retryMs?: number;
}

/**
 * Moves outbox records to the bus: read oldest first, publish, then ack (delete). By itself at least once: a crash
 * between publish and ack hands the batch to `publish` again. The Kafka publisher makes that exactly once on the
 * topic by skipping what each partition already holds (ADR 0005). Same contract as libs/bus `startOutboxRelay`, kept
 * here so the keys process can relay on its own.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  let running = true;
  let wake: (() => void) | undefined;
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
      let batch: OutboxRecord[] = [];
      try {
        batch = await options.source.read(batchSize);
        if (batch.length === 0) {
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
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
