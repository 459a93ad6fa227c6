import { idHex } from './hex.js';
import { joinEventRecord, type JoinKind } from './join-event.js';
import type { KeysDomainDeps } from './join-pipeline.js';

export interface RefusalInput {
  readonly devEui: Uint8Array;
  readonly joinEui: Uint8Array;
  readonly kind: JoinKind;
  readonly resultCode: string;
  readonly errorCode: string;
  readonly accountId: string;
  readonly networkServerId: string;
  readonly netId: Uint8Array;
  readonly nsId: Uint8Array;
  readonly macVersion: string;
}

/** A refusal decided before keys (wrong NS, unknown device) goes into the same outbox as the joins decided here. */
export async function recordRefusal(
  deps: Pick<KeysDomainDeps, 'state' | 'clock' | 'logger'>,
  input: RefusalInput,
): Promise<string> {
  const devEui = idHex(input.devEui);
  const { eventId, event } = joinEventRecord(
    {
      devEui,
      joinEui: input.joinEui,
      kind: input.kind,
      accountId: input.accountId,
      networkServerId: input.networkServerId,
      netId: input.netId,
      nsId: input.nsId,
      macVersion: input.macVersion,
      time: deps.clock.now(),
    },
    { accepted: false, resultCode: input.resultCode, errorCode: input.errorCode },
  );
  await deps.state.appendEvent(devEui, event);
  deps.logger.info(
    { dev_eui: devEui, error_code: input.errorCode, event_id: eventId },
    'join refusal recorded',
  );
  return eventId;
}
