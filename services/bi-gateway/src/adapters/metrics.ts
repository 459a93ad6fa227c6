import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { knownMessageTypes, resultCodes10, resultCodes11 } from '@joinery/backend-interfaces';

/**
 * Label values come from closed sets, so that no request can create series: anyone may send any MessageType (and
 * 3,000 random ones once made 48,000 series). A value outside the set is `other`.
 */
const messageTypeLabels: ReadonlySet<string> = new Set(knownMessageTypes('1.1'));
const resultCodeLabels: ReadonlySet<string> = new Set<string>([
  ...resultCodes10,
  ...resultCodes11,
  'Deferred',
  '',
]);

export function messageTypeLabel(messageType: string): string {
  return messageTypeLabels.has(messageType) ? messageType : 'other';
}

export function resultCodeLabel(resultCode: string): string {
  return resultCodeLabels.has(resultCode) ? resultCode : 'other';
}

/** How far the keys service's outbox relay is behind (keys `GetOutboxBacklog`). */
export interface OutboxBacklog {
  readonly events: number;
  /** Unix ms of the oldest event not yet on the bus; undefined when there is none. */
  readonly oldestEventMs: number | undefined;
}

let processRegistry: Registry | undefined;

/**
 * The registry with Node's process metrics (CPU, memory, event-loop lag, GC pauses), for the process's gateway. One
 * per process: the collectors (an event-loop delay histogram, a GC observer) are never stopped, so a process that
 * starts the gateway again (tests, embedded restarts) reuses them instead of adding more.
 */
export function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What the gateway's gauges read at each scrape. */
export interface GatewayMetricSources {
  /** Backend Interfaces requests being handled. */
  readonly inFlight: () => number;
  /** The keys outbox backlog; asked once per scrape for both outbox gauges. */
  readonly backlog: () => Promise<OutboxBacklog>;
  /** Refused joins waiting to be written to the join stream (`RefusalRecorder`). */
  readonly refusalsPending: () => number;
}

/** Prometheus metrics of the gateway, registered on the registry it is given. */
export class GatewayMetrics {
  readonly requests: Counter<'message_type' | 'result_code' | 'net_id'>;
  readonly duration: Histogram<'message_type'>;
  readonly inFlight: Gauge;
  readonly outboxEvents: Gauge;
  readonly outboxLag: Gauge;
  readonly refusalsPending: Gauge;
  /** Incremented by the gateway for each refused join that never became a join event. */
  readonly refusalsLost: Counter;

  /**
   * `backlog` is asked once per scrape (both outbox gauges share the answer); when it fails, both gauges read NaN
   * (unknown) for that scrape rather than a stale value or a failed scrape.
   */
  constructor(
    readonly registry: Registry,
    sources: GatewayMetricSources,
    now: () => number = Date.now,
  ) {
    const { inFlight, backlog, refusalsPending } = sources;
    let scrape: { at: number; backlog: Promise<OutboxBacklog | undefined> } | undefined;
    const current = () => {
      const at = now();
      if (scrape === undefined || at - scrape.at > 500)
        scrape = { at, backlog: backlog().catch(() => undefined) };
      return scrape.backlog;
    };
    this.requests = new Counter({
      name: 'joinery_bi_requests_total',
      // net_id is the registered NetID of an authenticated NS (empty for anyone else, an AS included): its values are
      // bounded by the NS registrations, never by what a request says.
      help: 'Backend Interfaces requests answered, by message type, result code and NetID of the authenticated NS',
      labelNames: ['message_type', 'result_code', 'net_id'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'joinery_bi_request_duration_seconds',
      help: 'Time from request body parsed to answer ready',
      labelNames: ['message_type'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'joinery_bi_requests_in_flight',
      help: 'Backend Interfaces requests being handled',
      registers: [registry],
      collect() {
        this.set(inFlight());
      },
    });
    this.outboxEvents = new Gauge({
      name: 'joinery_outbox_events',
      help: 'Join events in the keys outbox that the bus has not acknowledged yet',
      registers: [registry],
      async collect() {
        const b = await current();
        this.set(b === undefined ? Number.NaN : b.events);
      },
    });
    this.outboxLag = new Gauge({
      name: 'joinery_outbox_lag_seconds',
      help: 'Age of the oldest join event in the keys outbox not yet on the bus (0 when there is none)',
      registers: [registry],
      async collect() {
        const b = await current();
        this.set(
          b === undefined
            ? Number.NaN
            : b.oldestEventMs === undefined
              ? 0
              : Math.max(0, (now() - b.oldestEventMs) / 1000),
        );
      },
    });
    this.refusalsPending = new Gauge({
      name: 'joinery_bi_refusal_events_pending',
      help: 'Refused joins decided by the gateway (or not written by keys) waiting to become join events',
      registers: [registry],
      collect() {
        this.set(refusalsPending());
      },
    });
    this.refusalsLost = new Counter({
      name: 'joinery_bi_refusal_events_lost_total',
      help: 'Refused joins that never became join events (queue full, keys unreachable for too long, or shut down)',
      registers: [registry],
    });
  }
}
