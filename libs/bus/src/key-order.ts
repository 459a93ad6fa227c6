/**
 * Handles `records` so that records with the same key run one after another, in their order, while different keys
 * run concurrently, at most `concurrency` keys at a time. This is the ordering a Kafka partition promises per key,
 * kept while letting a Redis adapter pipeline the work of many devices. Rejects with the first failure (the batch is
 * then redelivered whole, so handlers must be idempotent).
 */
export async function forEachInKeyOrder<R extends { readonly key: string }>(
  records: readonly R[],
  concurrency: number,
  handle: (record: R) => Promise<void>,
): Promise<void> {
  const byKey = new Map<string, R[]>();
  for (const record of records) {
    const queue = byKey.get(record.key);
    if (queue === undefined) byKey.set(record.key, [record]);
    else queue.push(record);
  }
  const queues = [...byKey.values()];
  const worker = async () => {
    for (let queue = queues.shift(); queue !== undefined; queue = queues.shift())
      for (const record of queue) await handle(record);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queues.length)) }, worker));
}
