// The billing service's main.ts as a child process, for the exactly-once test and the benchmark.
import { EUI64 } from '@joinery/lorawan';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { BusRecord } from '@joinery/bus';
import { JoinEventSchema, JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { spawnManaged, type ManagedProcess } from '@joinery/testing/infra';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface BillingProcessEnv {
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  readonly joinsTopic: string;
  readonly eventsTopic: string;
  readonly group: string;
  readonly grpcPort: number;
  readonly dataDir: string;
  readonly metricsPort?: number;
}

export function startBillingProcess(env: BillingProcessEnv, logFile: string): ManagedProcess {
  return spawnManaged({
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'services/billing/src/main.ts')],
    cwd: repoRoot,
    logFile,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      JOINERY_LOG_LEVEL: 'warn',
      JOINERY_REDIS_URL: env.redisUrl,
      JOINERY_KAFKA_BROKERS: env.kafkaBrokers,
      JOINERY_BILLING_JOINS_TOPIC: env.joinsTopic,
      JOINERY_BILLING_EVENTS_TOPIC: env.eventsTopic,
      JOINERY_BILLING_KAFKA_GROUP: env.group,
      JOINERY_BILLING_GRPC_ADDRESS: `127.0.0.1:${env.grpcPort}`,
      JOINERY_DATA_DIR: env.dataDir,
      ...(env.metricsPort === undefined ? {} : { JOINERY_BILLING_METRICS_PORT: String(env.metricsPort) }),
    },
  });
}

/** A join event as the keys service writes it (topic and key as on the bus). */
export function joinEventRecord(
  topic: string,
  e: {
    eventId: string;
    devEui: string;
    accountId: string;
    time: number;
    accepted?: boolean;
    kind?: JoinKind;
  },
): BusRecord {
  return {
    topic,
    key: e.devEui,
    id: e.eventId,
    value: toBinary(
      JoinEventSchema,
      create(JoinEventSchema, {
        eventId: e.eventId,
        devEui: EUI64.parse(e.devEui).bytes(),
        accountId: e.accountId,
        time: timestampFromMs(e.time),
        outcome: e.accepted === false ? JoinOutcome.REFUSED : JoinOutcome.ACCEPTED,
        kind: e.kind ?? JoinKind.JOIN_REQUEST,
        resultCode: e.accepted === false ? 'MICFailed' : 'Success',
      }),
    ),
  };
}
