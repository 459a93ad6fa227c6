// The speed ratios of issue 23 in one run (bench/ratios/ratios.ts), written to bench/ratios/RESULTS.md.
//
//   node --import tsx bench/ratios/ratios.bench.ts      starts Redis and Kafka (libs/testing/infra) unless REDIS_URL
//                                                      and KAFKA_BROKERS are set
//   BENCH_SECONDS=10 BENCH_DEVICES=2000 BENCH_IN_FLIGHT=64 BENCH_OVERLOAD_SECONDS=6 …   (the defaults)
//   BENCH_NO_WRITE=1 …                                  prints the ratio object only
//   BENCH_ONLY=embedded …                               the crypto floor and embedded mode only (printed, never
//                                                      written), no Redis or Kafka
//   BENCH_ONLY=distributed BENCH_RATE=300 …             the distributed path only (its own Redis and Kafka): its
//                                                      saturation, then BENCH_RATE joins/s, each with CPU and Redis
//                                                      commands per join (printed, never written)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { startInfra, type Infra } from '@joinery/testing/infra';
import {
  measureDistributedOnly,
  measureEmbeddedRatio,
  measureRatios,
  type Load,
  type RatioOptions,
  type Ratios,
  type Verdict,
} from './ratios.js';

const notesHeading = '## Notes';

export function renderResults(r: Ratios): string {
  const v = (x: Verdict, digits = 2) =>
    `${x.ratio.toFixed(digits)} (target ${x.must} ${x.target}: **${x.met ? 'met' : 'missed'}**)`;
  const l = (x: Load) =>
    `load ${x.loadavg1.toFixed(1)}, busy ${x.busyCores.toFixed(2)}, steal ${x.stealCores.toFixed(2)} cores`;
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const per = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, x]) => `${k} ${x.toFixed(3)}`)
      .join(', ');
  return `# Ratios (issue 23)

Run ${r.at} with \`node --import tsx bench/ratios/ratios.bench.ts\` (${r.options.devices} devices, ${r.options.seconds} s
phases, ${r.options.inFlight} requests in flight at saturation, overload phases of ${r.options.overloadSeconds} s).

**Machine:** ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}. Shared with other work: the load of each
figure (1-minute load average at its start; cores busy and stolen by the host over it, from /proc/stat) is beside it.

| ratio | this run | measured | load while measured |
|---|---|---|---|
| CPU per join ÷ crypto-only join, embedded | ${v(r.embedded.cpuPerJoinVsCrypto, 1)} | ${r.embedded.cpuMsPerJoin.toFixed(3)} ms ÷ ${r.crypto.medianUs.toFixed(2)} µs; ${r.embedded.joinsPerS.toFixed(0)} joins/s | ${l(r.embedded.load)} |
| CPU per join ÷ crypto-only join, distributed | ${v(r.distributed.cpuPerJoinVsCrypto, 1)} | ${r.distributed.cpuMsPerJoin.toFixed(3)} ms ÷ ${r.crypto.medianUs.toFixed(2)} µs; ${r.distributed.joinsPerS.toFixed(0)} joins/s | ${l(r.distributed.load)} |
| keys calls/s ÷ floor calls/s | ${v(r.keys.throughputVsFloor)} | ${r.keys.callsPerS.toFixed(0)} ÷ ${r.keys.floorCallsPerS.toFixed(0)} | keys: ${l(r.keys.load)}; floor: ${l(r.keys.floorLoad)} |
| keys p99 ÷ floor p99 at ${r.latency.rate}/s (half the keys saturation) | ${v(r.latency.p99VsFloor)} | ${ms(r.latency.keysP99Ms)} ms ÷ ${ms(r.latency.floorP99Ms)} ms | keys: ${l(r.latency.load)}; floor: ${l(r.latency.floorLoad)} |
| overload (3× saturation): refusals p99, ms | ${v(r.overload.refusedP99, 1)} | ${r.overload.refused} refused of ${r.overload.accepted + r.overload.refused + r.overload.noAnswer} at ${r.overload.offered}/s | ${l(r.overload.load)} |
| overload: accepted p99 ÷ accepted p99 at half saturation | ${v(r.overload.acceptedP99Kept)} | ${ms(r.overload.acceptedP99Ms)} ms ÷ ${ms(r.overload.halfSaturationAcceptedP99Ms)} ms | (same) |
| joins/s per core, distributed ÷ ChirpStack v3 JS | ${v(r.peer.distributedVsPeer)} | ${r.peer.distributedJoinsPerCore.toFixed(0)} ÷ ${r.peer.joinsPerCore.toFixed(0)} | peer: ${l(r.peer.load)} |
| joins/s per core, embedded ÷ ChirpStack v3 JS | ${v(r.peer.embeddedVsPeer)} | ${r.peer.embeddedJoinsPerCore.toFixed(0)} ÷ ${r.peer.joinsPerCore.toFixed(0)} | (as above) |

**CPU per join** (ms, from \`/proc/<pid>/stat\` utime + stime over the saturation phase, ÷ accepted joins; the generator
excluded from the ratios and shown apart):
- embedded: joinery ${r.embedded.cpuMsPerJoin.toFixed(3)}; generator ${r.embedded.generatorMsPerJoin.toFixed(3)}; errors ${r.embedded.errors}
- distributed: ${per(r.distributed.perProcessMsPerJoin)}; generator ${r.distributed.generatorMsPerJoin.toFixed(3)}; errors ${r.distributed.errors}
- ChirpStack v3 JS: ${per(r.peer.perProcessMsPerJoin)}; generator ${r.peer.generatorMsPerJoin.toFixed(3)}; ${r.peer.joinsPerS.toFixed(0)} joins/s; errors ${r.peer.errors}
- ChirpStack v3 JS offered the distributed path's ${r.peer.atDistributedRate.rate} joins/s (open loop): ${r.peer.atDistributedRate.cpuMsPerJoin.toFixed(3)} ms per join (peer + Redis), ${r.peer.atDistributedRate.joinsPerCore.toFixed(0)} joins/s per core; distributed ÷ peer at that rate ${r.peer.atDistributedRate.distributedVsPeer.toFixed(2)}; errors ${r.peer.atDistributedRate.errors} (${l(r.peer.atDistributedRate.load)})
- the peer's design in Node (\`bench/peer/node-peer.ts\`: Joinery's codec and crypto on Node's HTTPS server, the peer's 2 Redis commands, no checks of a Join Server): ${per(r.nodePeer.perProcessMsPerJoin)}; ${r.nodePeer.joinsPerS.toFixed(0)} joins/s, ${r.nodePeer.joinsPerCore.toFixed(0)} joins/s per core, ${r.nodePeer.vsPeer.toFixed(2)}× the Go peer's per core; errors ${r.nodePeer.errors} (${l(r.nodePeer.load)})
- keys service alone: ${r.keys.keysCpuMsPerCall.toFixed(3)} per HandleJoin at saturation
- crypto-only join (\`bench/lorawan/join-crypto.ts\`, the "join 1.0.3, warm keys" case): median ${r.crypto.medianUs.toFixed(2)} µs, best round ${r.crypto.bestUs.toFixed(2)} µs (${l(r.crypto.load)})

**Method.** One process runs every part in turn, so every ratio compares two figures of the same minutes:
- Crypto floor: 1.0.x join-request MIC check, join-accept MIC and encryption, NwkSKey/AppSKey derivation, 2 RFC 3394
  wraps, cached key objects; median of the rounds.
- Embedded: \`services/joinery/src/main.ts start\` (all services in one process, LMDB, software vault).
  Distributed: bi-gateway, claims and keys each its own process (\`main.ts\` via tsx) on Redis and a one-node Kafka
  (the outbox relay publishes every JoinEvent); the path's CPU is the three services + Redis + Kafka. Both: LoRaWAN
  1.0.4 devices imported and claimed for one NS (BI 1.0, NwkSKey wrapped under the NS KEK, AppSKey by
  SessionKeyID), mTLS HTTP/1.1 keep-alive, closed loop after a warm-up (2 s at 300/s, 2 s closed).
- Peer: \`bench/peer\` (ChirpStack v3's \`backend/joinserver\` handler, brocaar/lorawan
  v0.0.0-20230609081225-559f55342122, configured as chirpstack-application-server configures it, device keys and
  JoinNonce in Redis: one read and one write per join; NS and AS KEKs set, so it wraps NwkSKey and AppSKey; mTLS with
  its own CA), the same devices, JoinReq bodies and generator settings; its CPU is the peer + Redis.
- The peer's design in Node: \`bench/peer/node-peer.ts\` does per JoinReq what the peer does (the same 2 Redis
  commands, MIC check, join-accept, 2 wraps), with Joinery's BI codec and LoRaWAN crypto on Node's HTTPS server (mTLS,
  keep-alive), and nothing else: no claims, no DevNonce check, no durable commit before the answer, no event. It is the
  runtime's floor for any join path in Node; its CPU is the process + Redis.
- Every JoinAns of the four is checked by the generator (\`bench/loadgen -verify\`): \`Success\`, then the join-accept
  decrypted with the device's root key and its MIC verified. Any other answer counts as an error.
- Keys and floor: the keys service (\`services/keys/src/main.ts\`, software vault, Redis state) and
  \`bench/keys/floor-server.ts\` (libs/grpc answering HandleJoin at once), the same Go generator multiplexing on one
  stream; saturation with 64 in flight; then an open loop at half the keys saturation against each (latency from the
  scheduled send time).
- Overload: \`bench/bi/overload-server.ts\` (the gateway's real HTTP edge, BiHandler and admission as shipped, claims
  and keys doubles that cost 1.3 ms of CPU per join on its event loop) driven by the same Go generator (plain HTTP,
  bearer token, up to 512 connections, 5 s caller deadline as ChirpStack's, every request a new JoinReq): its
  saturation (closed loop, 64 in flight, shedding off: what it can serve, not how fast refusals spin), then, with
  admission as shipped, an open loop at half of it (the reference p99 of accepted joins), then at 3× it. A refusal is any answer other than \`Success\`; no answer within 5 s counts apart (${r.overload.noAnswer} here).
- joins/s per core = 1000 ÷ the path's CPU ms per join.
`;
}

async function main() {
  if (process.env.BENCH_ONLY === 'embedded') {
    const only = await measureEmbeddedRatio({
      redisUrl: '',
      kafkaBrokers: '',
      devices: Number(process.env.BENCH_DEVICES ?? 2000),
      seconds: Number(process.env.BENCH_SECONDS ?? 10),
      inFlight: Number(process.env.BENCH_IN_FLIGHT ?? 64),
      overloadSeconds: 0,
      prefillJoinsPerDevice: Number(process.env.BENCH_PREFILL_JOINS ?? 0),
      log: (line) => console.log(`[ratios] ${line}`),
    });
    const r = only.embedded.cpuPerJoinVsCrypto.ratio;
    console.log(`[ratios] embedded ÷ crypto: ${r.toFixed(1)} (load ${JSON.stringify(only.embedded.load)})`);
    return;
  }
  let infra: Infra | undefined;
  if (process.env.BENCH_ONLY === 'distributed') {
    infra = await startInfra({ softhsm: false, log: (line) => console.log(`[infra] ${line}`) });
    try {
      await measureDistributedOnly({
        redisUrl: infra.env['REDIS_URL']!,
        kafkaBrokers: infra.env['KAFKA_BROKERS']!,
        devices: Number(process.env.BENCH_DEVICES ?? 2000),
        seconds: Number(process.env.BENCH_SECONDS ?? 10),
        inFlight: Number(process.env.BENCH_IN_FLIGHT ?? 64),
        overloadSeconds: 0,
        rate: Number(process.env.BENCH_RATE ?? 300),
        prefillJoinsPerDevice: Number(process.env.BENCH_PREFILL_JOINS ?? 0),
        log: (line) => console.log(`[ratios] ${line}`),
      });
    } finally {
      await infra.stop();
    }
    return;
  }
  let redisUrl = process.env.REDIS_URL;
  let kafkaBrokers = process.env.KAFKA_BROKERS;
  if (redisUrl === undefined || kafkaBrokers === undefined) {
    infra = await startInfra({ softhsm: false, log: (line) => console.log(`[infra] ${line}`) });
    redisUrl = infra.env['REDIS_URL']!;
    kafkaBrokers = infra.env['KAFKA_BROKERS']!;
  }
  try {
    const options: RatioOptions = {
      redisUrl,
      kafkaBrokers,
      devices: Number(process.env.BENCH_DEVICES ?? 2000),
      seconds: Number(process.env.BENCH_SECONDS ?? 10),
      inFlight: Number(process.env.BENCH_IN_FLIGHT ?? 64),
      overloadSeconds: Number(process.env.BENCH_OVERLOAD_SECONDS ?? 6),
      prefillJoinsPerDevice: Number(process.env.BENCH_PREFILL_JOINS ?? 0),
      log: (line) => console.log(`[ratios] ${line}`),
    };
    const ratios = await measureRatios(options);
    console.log(JSON.stringify(ratios));
    if (process.env.BENCH_NO_WRITE !== '1') {
      const file = new URL('./RESULTS.md', import.meta.url);
      const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const notes = previous.indexOf(notesHeading);
      writeFileSync(file, renderResults(ratios) + (notes === -1 ? '' : `\n${previous.slice(notes)}`));
    }
  } finally {
    await infra?.stop();
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
