import type { ClaimsLogger } from './context.js';
import type { ClaimsStore, DeviceEventPublisher } from './ports.js';

/**
 * Publishes device events from the per-device outbox. A state change and its event are written in one atomic
 * update of the device record (the outbox lives inside it), so no change is ever without its event; the relay then
 * publishes and removes the published events. Delivery is at-least-once (a crash between publish and removal
 * publishes again); consumers deduplicate on event_id. `sweep()` picks up whatever a failed publish left behind.
 */
export class DeviceOutboxRelay {
  constructor(
    private readonly store: ClaimsStore,
    private readonly publisher: DeviceEventPublisher,
    private readonly logger: ClaimsLogger,
  ) {}

  async flush(devEuis: readonly string[]): Promise<void> {
    for (let i = 0; i < devEuis.length; i += 1000) await this.flushChunk(devEuis.slice(i, i + 1000));
  }

  private async flushChunk(devEuis: readonly string[]): Promise<void> {
    try {
      const devices = await Promise.all(devEuis.map((d) => this.store.getDevice(d)));
      const events = devices.flatMap((d) => d?.outbox ?? []);
      if (events.length === 0) return;
      await this.publisher.publish(events);
      const published = new Set(events.map((e) => e.eventId));
      await Promise.all(
        devEuis.map((devEui) =>
          this.store.updateDevice(devEui, (current) =>
            current.outbox.some((e) => published.has(e.eventId))
              ? { ...current, outbox: current.outbox.filter((e) => !published.has(e.eventId)) }
              : undefined,
          ),
        ),
      );
    } catch (err) {
      this.logger.warn(
        { err, devices: devEuis.length },
        'device events not published yet; the sweep retries',
      );
    }
  }

  /** Publishes every pending event (at start and periodically). */
  async sweep(): Promise<void> {
    let chunk: string[] = [];
    for await (const devEui of this.store.devicesWithPendingEvents()) {
      chunk.push(devEui);
      if (chunk.length >= 1000) {
        await this.flushChunk(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await this.flushChunk(chunk);
  }
}
