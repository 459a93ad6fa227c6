/**
 * Orders outbox ids. The Redis store's ids are stream ids `<ms>-<seq>` (XADD `*`, strictly increasing for the life
 * of the stream, XDEL does not reset them); the LMDB store's are integers. Both compare as (major, minor) pairs.
 */
export function compareOutboxIds(a: string, b: string): number {
  const [aMajor, aMinor] = parts(a);
  const [bMajor, bMinor] = parts(b);
  if (aMajor !== bMajor) return aMajor < bMajor ? -1 : 1;
  if (aMinor !== bMinor) return aMinor < bMinor ? -1 : 1;
  return 0;
}

const shape = /^(\d+)(?:-(\d+))?$/;

function parts(id: string): [bigint, bigint] {
  const match = shape.exec(id);
  if (match === null) throw new Error(`not an outbox id: ${JSON.stringify(id)}`);
  return [BigInt(match[1]!), BigInt(match[2] ?? '0')];
}

export function isOutboxId(id: string): boolean {
  return shape.test(id);
}
