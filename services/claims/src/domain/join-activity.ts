import { claimsErrors } from './errors.js';
import { parseDevEuiArg, type ClaimsContext } from './context.js';
import type { Devices } from './devices.js';
import { isStorableEventId, normalizeEui } from './identifiers.js';
import type { JoinActivityRecord, Principal } from './model.js';

/** Join events kept per device. */
export const keptJoinActivity = 50;
export const defaultActivityLimit = 50;

/** A join event as the bus delivered it, accepted or refused. */
export interface JoinEventFacts {
  readonly devEui: string;
  readonly activity: JoinActivityRecord;
}

/**
 * The last joins of each device (accepted and refused), from the join events of `joinery.joins.v1`. An owner sees
 * those of its own device since its claim: the events of a previous owner's time stay that owner's.
 */
export class JoinActivity {
  constructor(
    private readonly ctx: ClaimsContext,
    private readonly devices: Devices,
  ) {}

  /** Keeps the events (each once per event id); unusable ones are skipped and counted. */
  async record(events: readonly JoinEventFacts[]): Promise<{ recorded: number; skipped: number }> {
    const usable = events.flatMap((e) => {
      const devEui = normalizeEui(e.devEui);
      const time = Date.parse(e.activity.time);
      if (devEui === null || !isStorableEventId(e.activity.eventId) || Number.isNaN(time)) return [];
      return [{ devEui, activity: e.activity }];
    });
    if (usable.length > 0) await this.ctx.store.recordJoinActivity(usable, keptJoinActivity);
    return { recorded: usable.length, skipped: events.length - usable.length };
  }

  /** The device's last joins, newest first (owner since its claim, or the admin: all). */
  async list(principal: Principal, devEuiText: string, limit: number): Promise<JoinActivityRecord[]> {
    if (!Number.isInteger(limit) || limit < 0 || limit > 100)
      throw claimsErrors.invalid_argument({ field: 'limit', reason: '1–100' });
    const device = await this.devices.getDevice(principal, parseDevEuiArg(devEuiText));
    const all = await this.ctx.store.joinActivity(device.devEui);
    const since = principal.scope === 'admin' || device.claimedAt === null ? 0 : Date.parse(device.claimedAt);
    return all
      .filter((a) => Date.parse(a.time) >= since)
      .slice(0, limit === 0 ? defaultActivityLimit : limit);
  }
}
