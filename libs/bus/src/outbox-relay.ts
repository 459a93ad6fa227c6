import type { BusRecord, Logger } from './bus.js';
import { wakeablePause } from './wakeable-pause.js';

/** One outbox record: its outbox id (in outbox order), where it goes, and its bytes. */
export interface OutboxRecord extends BusRecord {
  readonly id: string;
}

/** A transactional outbox as the relay sees it: read the oldest records, delete the delivered ones. */
export interface OutboxSource<R extends OutboxRecord = OutboxRecord> {
  read(limit: number): Promise<readonly R[]>;
  ack(ids: readonly string[]): Promise<void>;
}

/**
 * Who may relay an outbox that several processes share (keys replicas on one Redis): only the holder of the lease
 * reads and publishes, so two relays never publish the same records side by side.
 */
export interface RelayLease {
  /** Takes the lease or renews it; true while this relay holds it. Rejections count as not held. */
  hold(): Promise<boolean>;
  /** Gives the lease up (orderly stop), so another relay takes over without waiting for it to expire. */
  release(): Promise<void>;
}

export interface OutboxRelayOptions<R extends OutboxRecord = OutboxRecord> {
  readonly source: OutboxSource<R>;
  /** Delivers a batch; resolves once the bus has it. A rejection leaves the batch in the outbox for a retry. */
  readonly publish: (records: readonly R[]) => Promise<void>;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Pause when the outbox is empty, and between attempts to take the lease; 100 ms unless set. */
  readonly idleMs?: number;
  /** Pause after a failed publish; 1000 ms unless set. */
  readonly retryMs?: number;
  /** Without a lease this relay is the outbox's only one. */
  readonly lease?: RelayLease;
  /**
   * Called each time this relay takes the lease, before it reads: what another holder published meanwhile is
   * unknown to it (the Kafka publisher forgets its watermarks here and reads them again).
   */
  readonly onLeaseTaken?: () => void;
}

export interface OutboxRelay {
  /** Finishes the batch in flight, gives the lease up, then stops. */
  stop(): Promise<void>;
  /** Resolves once the outbox has been seen empty after this call (tests, orderly shutdown). */
  drained(): Promise<void>;
}

/**
 * Moves outbox records to the bus: read oldest first, publish, then ack (delete). At least once: a crash between
 * publish and ack publishes the batch again, and consumers deduplicate (by event id, or by what the event means);
 * the keys service's Kafka publisher skips what Kafka already holds (ADR 0005). With a lease, only its holder relays.
 */
export function startOutboxRelay<R extends OutboxRecord>(options: OutboxRelayOptions<R>): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  const idleMs = options.idleMs ?? 100;
  const { lease, logger } = options;
  let running = true;
  let holding = false;
  let waiters: (() => void)[] = [];
  const { pause, wake } = wakeablePause();
  const holdsLease = async (): Promise<boolean> => {
    if (lease === undefined) return true;
    const held = await lease.hold().catch((err: unknown) => {
      logger.warn({ err }, 'outbox relay lease could not be renewed');
      return false;
    });
    if (held && !holding) {
      logger.info('outbox relay lease taken: this process relays the outbox');
      options.onLeaseTaken?.();
    } else if (!held && holding) logger.warn('outbox relay lease lost: another process relays the outbox');
    holding = held;
    return held;
  };
  const loop = (async () => {
    while (running) {
      let batch: readonly R[] = [];
      try {
        if (!(await holdsLease())) {
          await pause(idleMs);
          continue;
        }
        batch = await options.source.read(batchSize);
        if (batch.length === 0) {
          for (const resolve of waiters.splice(0)) resolve();
          await pause(idleMs);
          continue;
        }
        await options.publish(batch);
        await options.source.ack(batch.map((r) => r.id));
      } catch (err) {
        logger.warn({ err, batch_size: batch.length }, 'outbox relay failed; retrying');
        await pause(options.retryMs ?? 1000);
      }
    }
    if (holding && lease !== undefined)
      await lease.release().catch((err: unknown) => logger.warn({ err }, 'outbox relay lease not released'));
    for (const resolve of waiters.splice(0)) resolve();
  })();
  return {
    async stop() {
      running = false;
      wake();
      await loop;
    },
    drained() {
      const seen = new Promise<void>((resolve) => (waiters = [...waiters, resolve]));
      wake();
      return seen;
    },
  };
}
