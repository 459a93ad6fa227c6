import { busErrors } from './errors.js';

/** How many partitions each topic has, as the publisher places records by key (see `partitionForKey`). */
export interface PartitionCounts {
  /**
   * The partition count of `topic`: read once, then kept. Rejects with `bus:topic_unavailable` when the read fails
   * or takes longer than the timeout; a read still running then goes on, and the next call waits for it again.
   */
  of(topic: string): Promise<number>;
  /** Drops what is known of `topic` (its count may have changed); the next `of` reads it again. */
  forget(topic: string): void;
}

/**
 * Partition counts read with `read` (an admin metadata lookup), one read at a time per topic, each wait for it bounded
 * by `timeoutMs`, so a publish never hangs on a metadata fetch caught in a broker failure. A failed read is not kept.
 */
export function cachedPartitionCounts(
  read: (topic: string) => Promise<number>,
  options: { readonly timeoutMs: number },
): PartitionCounts {
  const known = new Map<string, Promise<number>>();
  return {
    async of(topic) {
      let reading = known.get(topic);
      if (reading === undefined) {
        const started = read(topic).then((count) => {
          if (!Number.isSafeInteger(count) || count < 1)
            throw busErrors.topic_unavailable({ topic, partitions: count });
          return count;
        });
        reading = started;
        known.set(topic, started);
        started.catch(() => {
          if (known.get(topic) === started) known.delete(topic);
        });
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(busErrors.topic_unavailable({ topic, timeout_ms: options.timeoutMs })),
          options.timeoutMs,
        );
      });
      try {
        return await Promise.race([reading, timedOut]);
      } catch (err) {
        if (busErrors.topic_unavailable.code === (err as { code?: unknown }).code) throw err;
        throw busErrors.topic_unavailable({ topic }, undefined, err);
      } finally {
        clearTimeout(timer);
      }
    },
    forget(topic) {
      known.delete(topic);
    },
  };
}
