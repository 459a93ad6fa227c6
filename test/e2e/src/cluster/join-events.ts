// The join events the e2e suites read back from Kafka, and the checks they make of them: the suites that kill
// processes, brokers or links (kafka-broker-kill, network-faults, replicas, gateway/join-events-kafka) all ask
// whether every accepted join reached `joinery.joins.v1`, once.
import assert from 'node:assert/strict';
import { fromBinary } from '@bufbuild/protobuf';
import { bytesToHex } from '@joinery/backend-interfaces';
import { JoinEventSchema, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import { connectRedis } from '@joinery/store';
import { readTopic } from '@joinery/testing/infra';
import { eventually } from '../contract/management-contract.js';

/** What the invariant checks compare of a join event, with its identifiers as the upper-case hex the BI answers use. */
export interface JoinFacts {
  readonly eventId: string;
  readonly devEui: string;
  readonly netId: string;
  readonly sessionKeyId: string;
  readonly joinNonce: number;
  readonly outcome: JoinOutcome;
  readonly resultCode: string;
  readonly errorCode: string;
}

/** A join event as it stands on the topic. */
export interface JoinRecord extends JoinFacts {
  /** The keys outbox id the relay put in the record's `outbox_id` header (empty when the gateway wrote it). */
  readonly outboxId: string;
}

export function joinFactsOf(event: JoinEvent): JoinFacts {
  return {
    eventId: event.eventId,
    devEui: bytesToHex(event.devEui),
    netId: bytesToHex(event.netId),
    sessionKeyId: bytesToHex(event.sessionKeyId),
    joinNonce: event.joinNonce,
    outcome: event.outcome,
    resultCode: event.resultCode,
    errorCode: event.errorCode,
  };
}

export const joinsTopic = 'joinery.joins.v1';

/** Every join event on `joinery.joins.v1`, from the beginning to its current end, each record once. */
export async function readJoinEvents(brokers: string, clientId: string): Promise<JoinRecord[]> {
  const records = await readTopic(brokers.split(','), joinsTopic, { clientId });
  return records.flatMap((r) =>
    r.value === null
      ? []
      : [
          {
            ...joinFactsOf(fromBinary(JoinEventSchema, r.value)),
            outboxId: r.headers['outbox_id']?.toString() ?? '',
          },
        ],
  );
}

/** The values that occur more than once, each with how often: `[]` when every value is unique. */
export function repeated(values: readonly string[]): [string, number][] {
  const seen = new Map<string, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1);
}

/** The keys outbox shards (ADR 0007): `joinery:keys:{<shard tag>}:outbox`. */
export const outboxPattern = 'joinery:keys:{*}:outbox';

/**
 * Waits until the keys relay has drained every outbox shard on `redisUrl` to Kafka (the shards must exist: the test
 * sent joins); `diagnostics` goes into the failure, e.g. the tail of the keys log.
 */
export async function waitForOutboxDrained(
  redisUrl: string,
  options: { connectionName: string; timeoutMs: number; diagnostics?: () => string },
): Promise<void> {
  const redis = connectRedis(redisUrl, { connectionName: options.connectionName });
  try {
    await eventually(async () => {
      const streams = await redis.keys(outboxPattern);
      assert.ok(streams.length > 0, 'the keys outbox shards exist');
      const lengths = await Promise.all(streams.map((stream) => redis.xlen(stream)));
      assert.equal(
        lengths.reduce((a, b) => a + b, 0),
        0,
        `keys outbox not drained${options.diagnostics ? `:\n${options.diagnostics()}` : ''}`,
      );
    }, options.timeoutMs);
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until every session of `sessions` is on `joinery.joins.v1` as an accepted join of one of `devices`, and
 * returns the accepted join events of those devices (other suites' joins share the topic).
 */
export async function waitForAcceptedJoins(
  brokers: string,
  options: {
    clientId: string;
    devices: ReadonlySet<string>;
    sessions: Iterable<string>;
    timeoutMs: number;
  },
): Promise<JoinRecord[]> {
  const sessions = [...options.sessions];
  return eventually(async () => {
    const accepted = (await readJoinEvents(brokers, options.clientId)).filter(
      (e) => options.devices.has(e.devEui) && e.outcome === JoinOutcome.ACCEPTED,
    );
    const onKafka = new Set(accepted.map((e) => e.sessionKeyId));
    assert.deepEqual(
      sessions.filter((s) => !onKafka.has(s)),
      [],
      'accepted joins not on Kafka',
    );
    return accepted;
  }, options.timeoutMs);
}

/** A join the NS saw accepted: the device, the DevNonce it sent, the session the JoinAns named. */
export interface AcceptedJoin {
  readonly devEui: string;
  readonly devNonce: number;
  readonly sessionKeyId?: string;
}

/** The (DevEUI, DevNonce) pairs answered with more than one session: `[]` when no DevNonce was accepted twice. */
export function devNoncesAcceptedTwice(accepted: readonly AcceptedJoin[]): [string, Set<string>][] {
  const sessionsByNonce = new Map<string, Set<string>>();
  for (const a of accepted) {
    if (a.sessionKeyId === undefined) continue;
    const k = `${a.devEui}/${a.devNonce}`;
    sessionsByNonce.set(k, new Set([...(sessionsByNonce.get(k) ?? []), a.sessionKeyId]));
  }
  return [...sessionsByNonce].filter(([, sessions]) => sessions.size > 1);
}
