import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { GatewayMetrics, processMetricsRegistry, type OutboxBacklog } from './metrics.js';

const now = 1_800_000_000_000;
const line = (text: string, name: string) => text.split('\n').find((l) => l.startsWith(`${name} `));

function metricsWith(backlog: () => Promise<OutboxBacklog>) {
  const registry = new Registry();
  let calls = 0;
  const metrics = new GatewayMetrics(
    registry,
    { inFlight: () => 7, backlog: () => ((calls += 1), backlog()), refusalsPending: () => 2 },
    () => now,
  );
  return { registry, metrics, calls: () => calls };
}

test('the outbox gauges show the events not on the bus and the age of the oldest, asking keys once per scrape', async () => {
  const m = metricsWith(async () => ({ events: 3, oldestEventMs: now - 2500 }));
  const text = await m.registry.metrics();
  assert.equal(line(text, 'joinery_outbox_events'), 'joinery_outbox_events 3');
  assert.equal(line(text, 'joinery_outbox_lag_seconds'), 'joinery_outbox_lag_seconds 2.5');
  assert.equal(line(text, 'joinery_bi_requests_in_flight'), 'joinery_bi_requests_in_flight 7');
  assert.equal(m.calls(), 1);
});

test('refused joins waiting to be recorded and those lost are shown', async () => {
  const m = metricsWith(async () => ({ events: 0, oldestEventMs: undefined }));
  m.metrics.refusalsLost.inc();
  const text = await m.registry.metrics();
  assert.equal(line(text, 'joinery_bi_refusal_events_pending'), 'joinery_bi_refusal_events_pending 2');
  assert.equal(line(text, 'joinery_bi_refusal_events_lost_total'), 'joinery_bi_refusal_events_lost_total 1');
});

test('an empty outbox has no lag', async () => {
  const text = await metricsWith(async () => ({ events: 0, oldestEventMs: undefined })).registry.metrics();
  assert.equal(line(text, 'joinery_outbox_events'), 'joinery_outbox_events 0');
  assert.equal(line(text, 'joinery_outbox_lag_seconds'), 'joinery_outbox_lag_seconds 0');
});

test('when keys does not answer, the outbox gauges are unknown and the scrape still succeeds', async () => {
  const text = await metricsWith(async () => {
    throw new Error('keys down');
  }).registry.metrics();
  // prom-client writes NaN as `Nan`, which Prometheus reads as NaN (its float parser ignores case).
  assert.match(line(text, 'joinery_outbox_events') ?? '', /^joinery_outbox_events nan$/i);
  assert.match(line(text, 'joinery_outbox_lag_seconds') ?? '', /^joinery_outbox_lag_seconds nan$/i);
  assert.match(text, /joinery_bi_requests_in_flight 7/);
});

test('the process registry carries event-loop lag, GC pauses and CPU', async () => {
  const text = await processMetricsRegistry().metrics();
  for (const name of [
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_gc_duration_seconds',
    'process_cpu_seconds_total',
  ])
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
});
