import type { DeviceBinding, DeviceRecord } from '../../domain/model.js';
import type { JoinOutcome } from '../../domain/ports.js';

/**
 * A device's activation facts live in a small record of their own, `act:{<DEVEUI>}` (same hash tag, so the same
 * Redis Cluster slot as the device), written only by accepted join events. One join event is then one atomic step
 * on ~100 bytes (a Redis script, or one LMDB write), instead of a read and a compare-and-swap of the whole device,
 * and the device record, read by every Authorize, no longer carries the ids of its last join events.
 *
 * The stored text is newline-terminated lines: the join count, the last join time (ISO 8601, empty when none), then
 * the most recent applied event ids, oldest first. The Redis script parses the same text.
 */
export const activationKey = (devEui: string): string => `act:{${devEui}}`;

/** How many applied join event ids a device remembers (join events of a device arrive in order, per partition). */
export const rememberedJoinEvents = 64;

export interface Activation {
  readonly joinCount: number;
  readonly lastJoinAt: string | null;
  readonly appliedJoinEvents: readonly string[];
}

export interface JoinEntry {
  readonly activationKey: string;
  readonly deviceKey: string;
  readonly eventId: string;
  /** ISO 8601 (`Date.toISOString`), so that later times compare greater as text. */
  readonly time: string;
}

const none: Activation = { joinCount: 0, lastJoinAt: null, appliedJoinEvents: [] };

export function formatActivation(a: Activation): string {
  return `${a.joinCount}\n${a.lastJoinAt ?? ''}\n${a.appliedJoinEvents.map((id) => `${id}\n`).join('')}`;
}

/** The stored text; one that cannot be read (nothing but this code writes it) counts as no joins yet. */
export function parseActivation(raw: string): Activation {
  const lines = raw.split('\n');
  lines.pop(); // the text ends with a newline
  const [count = '', last = '', ...ids] = lines;
  const joinCount = Number(count);
  if (lines.length < 2 || count === '' || !Number.isSafeInteger(joinCount) || joinCount < 0) return none;
  return { joinCount, lastJoinAt: last === '' ? null : last, appliedJoinEvents: ids };
}

/**
 * One join event applied to the stored texts (for the memory and LMDB backends; the Redis script does the same).
 * `next` is the activation text to write when the outcome is `applied`.
 */
export function applyJoin(
  activationRaw: string | undefined,
  readDevice: () => string | undefined,
  eventId: string,
  time: string,
): { readonly outcome: JoinOutcome; readonly next?: string } {
  if (activationRaw === undefined && readDevice() === undefined) return { outcome: 'unknown_device' };
  const current = activationRaw === undefined ? none : parseActivation(activationRaw);
  if (current.appliedJoinEvents.includes(eventId)) return { outcome: 'duplicate' };
  const next: Activation = {
    joinCount: current.joinCount + 1,
    lastJoinAt: current.lastJoinAt !== null && current.lastJoinAt > time ? current.lastJoinAt : time,
    appliedJoinEvents: [...current.appliedJoinEvents, eventId].slice(-rememberedJoinEvents),
  };
  return { outcome: 'applied', next: formatActivation(next) };
}

/** The device as the domain sees it: the stored device with its activation facts. */
export function withActivation(deviceRaw: string, activationRaw: string | undefined): DeviceRecord {
  const device = JSON.parse(deviceRaw) as DeviceRecord;
  return withFacts(device, activationRaw === undefined ? none : parseActivation(activationRaw));
}

/** A stored device text as the join path reads it (it holds no activation facts). */
export function withoutFacts(deviceRaw: string): DeviceBinding {
  return JSON.parse(deviceRaw) as DeviceBinding;
}

/** `device` with the facts of an activation record. */
export function withFacts(
  device: DeviceRecord,
  a: Pick<Activation, 'joinCount' | 'lastJoinAt'>,
): DeviceRecord {
  return { ...device, activated: a.joinCount > 0, joinCount: a.joinCount, lastJoinAt: a.lastJoinAt };
}

/** The device as stored: without the activation facts, which only join events write. */
export function withoutActivation(device: DeviceRecord): string {
  return JSON.stringify(binding(device));
}

/** `device` without its activation facts. */
function binding(device: DeviceRecord): DeviceBinding {
  const { activated: _activated, joinCount: _joinCount, lastJoinAt: _lastJoinAt, ...rest } = device;
  return rest;
}
