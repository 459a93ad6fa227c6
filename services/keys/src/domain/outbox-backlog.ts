import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema } from '@joinery/proto/events/v1/events_pb';
import type { KeysStateStore } from './ports.js';

export interface OutboxBacklog {
  /** Events not yet acknowledged by the bus. */
  readonly events: number;
  /** Unix ms of the oldest of them; undefined when the outbox is empty (or its oldest record has no time). */
  readonly oldestEventMs: number | undefined;
}

/** How far the outbox relay is behind. The count and the oldest record are read one after the other, not at once. */
export async function outboxBacklog(state: KeysStateStore): Promise<OutboxBacklog> {
  const [events, [oldest]] = await Promise.all([state.outbox.count(), state.outbox.read(1)]);
  if (oldest === undefined) return { events, oldestEventMs: undefined };
  let time;
  try {
    time = fromBinary(JoinEventSchema, oldest.value).time;
  } catch {
    time = undefined;
  }
  return { events, oldestEventMs: time === undefined ? undefined : timestampMs(time) };
}
