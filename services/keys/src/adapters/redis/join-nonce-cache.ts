import { maxJoinNonce, type DevEuiHex, type NonceCheck } from '../../domain/ports.js';

/** About 10 MB of entries. */
export const defaultJoinNonceCacheSize = 100_000;

interface Seen {
  joinNonce: number;
  /** The DevNonce of the device's last join this replica saw, -1 when none. */
  devNonce: number;
}

/**
 * What this replica knows of each device's JoinNonce, so that a join of a device it has seen takes the one-step
 * `commitJoin` (one Redis round trip, not two). Only accepted joins enter it, and at most `capacity` devices (the
 * least recently joined leave first), so a flood of DevEUIs cannot grow it. Another replica's joins make it stale:
 * `commitJoin` then answers the stored JoinNonce, which refreshes the entry.
 */
export class JoinNonceCache {
  private readonly seen = new Map<DevEuiHex, Seen>();

  constructor(private readonly capacity: number) {}

  /**
   * The JoinNonce the device's next join gets if no other replica joined it meanwhile. None for a DevNonce at or
   * below the last seen one (counter policy) or equal to it (history): a retry or a replay, which `reserve` answers
   * without an accept built in vain.
   */
  guess(devEui: DevEuiHex, check: NonceCheck): number | undefined {
    const seen = this.seen.get(devEui);
    if (seen === undefined || seen.joinNonce >= maxJoinNonce) return undefined;
    if (check.kind === 'dev_nonce' && seen.devNonce >= 0) {
      if (check.policy === 'counter' ? check.devNonce <= seen.devNonce : check.devNonce === seen.devNonce)
        return undefined;
    }
    return seen.joinNonce + 1;
  }

  /** An accepted join of the device (its DevNonce for a JoinReq, undefined for a rejoin). Never goes back. */
  accepted(devEui: DevEuiHex, joinNonce: number, devNonce: number | undefined): void {
    const seen = this.seen.get(devEui);
    if (seen !== undefined && seen.joinNonce > joinNonce) return;
    this.seen.delete(devEui);
    this.seen.set(devEui, { joinNonce, devNonce: devNonce ?? seen?.devNonce ?? -1 });
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
  }

  /** The store answered `joinNonce` as the device's current one: other joins happened, their DevNonces unknown. */
  stale(devEui: DevEuiHex, joinNonce: number): void {
    const seen = this.seen.get(devEui);
    if (seen !== undefined && seen.joinNonce <= joinNonce) this.seen.set(devEui, { joinNonce, devNonce: -1 });
  }
}
