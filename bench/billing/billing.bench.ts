// Billing benchmark: join events consumed end to end (Kafka → billing process → Redis ledger), in events/s.
//
//   node --import tsx bench/billing/billing.bench.ts      (starts Redis and Kafka itself, or uses REDIS_URL/KAFKA_BROKERS)
//
// Method: N accepted-join events for N distinct devices are produced to a fresh topic (3 partitions) before the
// billing service (`services/billing/src/main.ts`, Redis ledger) starts, so the run measures consumption only. The
// rate is taken between the first and the last recorded charge, read from the service's own Prometheus counters.
// A second consumer group then reads the same topic again: every event is a duplicate (the ledger refuses it).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { connectKafkaBus } from '@joinery/bus';
import { freePort, startInfra } from '@joinery/testing/infra';
import { joinEventRecord, startBillingProcess } from '../../services/billing/src/testing/billing-process.js';
import { redisDbUrl } from '../common/bench-redis.js';

const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const infra = await startInfra({ softhsm: false, log: (line) => console.log(line) });
const dir = mkdtempSync(join(tmpdir(), 'joinery-bench-billing-'));

async function counter(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

async function consume(group: string, topic: string, metric: string, redisUrl: string) {
  const metricsPort = await freePort();
  const p = startBillingProcess(
    {
      redisUrl,
      kafkaBrokers: infra.env.KAFKA_BROKERS ?? '',
      joinsTopic: topic,
      eventsTopic: `bench-billing-events-${group}`,
      group,
      grpcPort: await freePort(),
      dataDir: dir,
      metricsPort,
    },
    join(dir, `${group}.log`),
  );
  let first: { t: number; n: number } | undefined;
  for (;;) {
    if (p.exited() !== undefined) throw new Error(`billing exited: ${p.logTail(20)}`);
    const n = await counter(metricsPort, metric).catch(() => 0);
    const t = performance.now();
    if (first === undefined && n > 0) first = { t, n };
    if (n >= events && first !== undefined) {
      await p.stop();
      return { rate: Math.round((n - first.n) / ((t - first.t) / 1000)), seconds: (t - first.t) / 1000 };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

try {
  const topic = `bench-joins-${randomUUID().slice(0, 8)}`;
  const redisUrl = redisDbUrl(infra.env.REDIS_URL ?? '', 10);
  const bus = await connectKafkaBus({
    brokers: (infra.env.KAFKA_BROKERS ?? '').split(','),
    clientId: 'bench-billing',
  });
  const t0 = Date.UTC(2026, 10, 1);
  for (let i = 0; i < events; i += 1000)
    await bus.publish(
      Array.from({ length: Math.min(1000, events - i) }, (_, j) =>
        joinEventRecord(topic, {
          eventId: `e${i + j}`,
          devEui: (0xbe00000000000000n + BigInt(i + j)).toString(16).toUpperCase(),
          accountId: `acc-${(i + j) % 50}`,
          time: t0 + i + j,
        }),
      ),
    );
  await bus.close();
  console.log(`${events} join events produced to ${topic}`);
  const fresh = await consume(
    `bench-${randomUUID().slice(0, 6)}`,
    topic,
    'joinery_billing_charges_recorded_total',
    redisUrl,
  );
  const dup = await consume(
    `bench-${randomUUID().slice(0, 6)}`,
    topic,
    'joinery_billing_duplicates_ignored_total',
    redisUrl,
  );
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const results = `# Billing benchmark

Run ${new Date().toISOString()} with \`node --import tsx bench/billing/billing.bench.ts\`.

Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}. Shared machine: Kafka, Redis and the billing process run on the same cores.

Method: ${events} accepted-join events for ${events} distinct devices (protobuf \`JoinEvent\`, keyed by DevEUI) produced to a fresh 3-partition topic first; then one billing process (\`services/billing/src/main.ts\`: Kafka consumer group, Redis ledger with one \`SET NX\` per device plus two index writes, a \`ChargeRecorded\` event published per charge, offsets committed after each batch). Rate measured between the first and the last charge from the service's Prometheus counters. Second row: a new consumer group over the same events, all duplicates of charged devices.

| run | events | seconds | events/s |
| --- | ------ | ------- | -------- |
| new devices (each charged once) | ${events} | ${fresh.seconds.toFixed(1)} | ${fresh.rate} |
| redelivered (all duplicates) | ${events} | ${dup.seconds.toFixed(1)} | ${dup.rate} |

Target: ≥ 5,000 events/s. ${fresh.rate >= 5000 ? 'Met.' : '**Not met** for new devices on this run.'}
`;
  writeFileSync(new URL('./RESULTS.md', import.meta.url), results);
  console.log(results);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await infra.stop();
}
