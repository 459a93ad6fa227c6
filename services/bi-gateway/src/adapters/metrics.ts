import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the gateway, registered on the registry it is given. */
export class GatewayMetrics {
  readonly requests: Counter<'message_type' | 'result_code' | 'net_id'>;
  readonly duration: Histogram<'message_type'>;
  readonly inFlight: Gauge;

  constructor(
    readonly registry: Registry,
    inFlight: () => number,
  ) {
    this.requests = new Counter({
      name: 'joinery_bi_requests_total',
      help: 'Backend Interfaces requests answered, by message type, result code and NetID of the sender',
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
  }
}
