// What the join-path benches (bench/joins, bench/embedded, bench/ratios) share: the gateway sized above the offered
// load, the processes whose CPU a join costs, and the load generator's target for an NS's mTLS credentials.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { RegisteredNetworkServer } from '@joinery/joinery';
import type { ProcessStack } from '../../test/e2e/src/gateway/process-stack.js';
import type { LoadgenTarget } from '../loadgen/loadgen.js';

/**
 * The gateway's per-peer limits and overload protection sized above any offered load (a fixed in-flight limit, no
 * latency or queue-age shedding), and the callers' deadline: these benches measure the join path, not admission.
 */
export const gatewayAboveLoad = {
  JOINERY_BI_PEER_RATE: '100000',
  JOINERY_BI_PEER_BURST: '100000',
  JOINERY_BI_MAX_IN_FLIGHT: '4096',
  JOINERY_BI_MIN_IN_FLIGHT: '4096',
  JOINERY_BI_TARGET_LATENCY: '60000',
  JOINERY_BI_MAX_QUEUE_AGE: '60000',
  JOINERY_BI_MAX_EVENT_LOOP_DELAY: '60000',
  JOINERY_BI_DEADLINE_MS: '5000',
};

/** The process listening on a TCP port (from /proc/net/tcp{,6} and the sockets in /proc/<pid>/fd). */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6'])
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && parseInt(cols[1]?.split(':')[1] ?? '', 16) === port) inodes.add(cols[9]!);
    }
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(pid);
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return undefined;
}

/** The Redis server and the (first) Kafka broker, by the ports they listen on; those not found are left out. */
export function infraPids(redisUrl: string, kafkaBrokers: string): Record<string, number> {
  const pids: Record<string, number> = {};
  const redis = pidListeningOn(Number(new URL(redisUrl).port));
  const kafka = pidListeningOn(Number(kafkaBrokers.split(',')[0]!.split(':')[1]));
  if (redis !== undefined) pids['redis'] = redis;
  if (kafka !== undefined) pids['kafka'] = kafka;
  return pids;
}

/** Every process a join of the distributed path costs: the three services, Redis and Kafka. */
export const distributedPathPids = (
  stack: ProcessStack,
  infra: Record<string, number>,
): Record<string, number> => ({
  'bi-gateway': stack.process('bi-gateway').pid,
  claims: stack.process('claims').pid,
  keys: stack.process('keys').pid,
  ...infra,
});

/** The generator as a registered NS: HTTPS to `url` with the NS's client certificate, up to `conns` connections. */
export const nsTarget = (
  url: string,
  credentials: Pick<RegisteredNetworkServer['credentials'], 'clientCertPem' | 'clientKeyPem' | 'caCertPem'>,
  conns: number,
): Extract<LoadgenTarget, { mode: 'http' }> => ({
  mode: 'http',
  url,
  certPem: credentials.clientCertPem,
  keyPem: credentials.clientKeyPem,
  caPem: credentials.caCertPem,
  conns,
});
