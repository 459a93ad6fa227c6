// CPU per HandleJoin of the keys service in one process, without the network: the call's protobuf decode, the
// domain (software vault, Redis state store), the answer's encode; Redis's own CPU left out. Robust to a shared
// machine (process CPU time, not the wall clock), so it compares code changes where calls/s cannot. With
// REDIS_PID (the redis-server's pid) it also reports Redis's CPU per join.
//
//   REDIS_URL=redis://127.0.0.1:6379 node --import tsx bench/keys/in-process-cpu.ts
//   BENCH_JOINS=20000 BENCH_ROUNDS=5 BENCH_IN_FLIGHT=64,1 …   (the defaults); BENCH_STATE=memory: the memory store;
//   BENCH_JOIN_NONCE_CACHE=0: no one-step joins on Redis (every join reserves, then commits)
import { create, toBinary } from '@bufbuild/protobuf';
import { createLogger } from '@joinery/logging';
import { createInProcessClient } from '@joinery/grpc';
import {
  HandleJoinRequestSchema,
  HandleJoinResponseSchema,
  KekPurpose,
  KeysService,
} from '@joinery/proto/keys/v1/keys_pb';
import { connectRedis } from '@joinery/store';
import { fromBinary } from '@bufbuild/protobuf';
import { randomBytes } from 'node:crypto';
import { createRedisStateStore } from '../../services/keys/src/adapters/redis/redis-state-store.js';
import {
  createMemoryVaultStorage,
  createSoftwareVault,
} from '../../services/keys/src/adapters/software-vault/index.js';
import { createMemoryStateStore } from '../../services/keys/src/adapters/memory/memory-state-store.js';
import { buildKeysApp } from '../../services/keys/src/app.js';
import { handleJoinRequest } from '../../services/keys/src/testing/keys-grpc-fixtures.js';
import { processCpuSeconds } from '../loadgen/loadgen.js';

const redisPid = process.env.REDIS_PID === undefined ? undefined : Number(process.env.REDIS_PID);
const joins = Number(process.env.BENCH_JOINS ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const inFlights = (process.env.BENCH_IN_FLIGHT ?? '64,1').split(',').map(Number);
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  connectionName: 'in-process-cpu',
});
const prefix = process.env.BENCH_PREFIX ?? `bench:in-process:${randomBytes(4).toString('hex')}`;
const vault = createSoftwareVault({
  masterKey: new Uint8Array(randomBytes(32)),
  storage: createMemoryVaultStorage(),
});
const app = await buildKeysApp({
  vault,
  state:
    process.env.BENCH_STATE === 'memory'
      ? createMemoryStateStore()
      : createRedisStateStore(redis, {
          prefix,
          ...(process.env.BENCH_JOIN_NONCE_CACHE === undefined
            ? {}
            : { joinNonceCacheSize: Number(process.env.BENCH_JOIN_NONCE_CACHE) }),
        }),
  logger: createLogger({ service: 'keys', level: 'warn' }),
  config: {
    devNonceHistorySize: 1024,
    maxSessions: 10,
    storageKekLabel: 'storage',
    joinRetryWindowMs: 60_000,
  },
});
const rootKey = new Uint8Array(randomBytes(16));
const client = createInProcessClient(KeysService, app.service);
for (const label of ['ns:000013', 'as:as1']) await client.createKek({ label, purpose: KekPurpose.PEER });
const devEuis = Array.from({ length: 1000 }, () => new Uint8Array(randomBytes(8)));
for (let i = 0; i < devEuis.length; i += 250)
  await client.importRootKeysBatch({
    devices: devEuis.slice(i, i + 250).map((devEui) => ({
      devEui,
      macVersion: '1.0.4',
      keys: { case: 'plain', value: { nwkKey: rootKey } },
    })),
  });
const nonces = new Uint32Array(devEuis.length);
let cursor = 0;
const next = (count: number) =>
  Array.from({ length: count }, () => {
    const d = cursor++ % devEuis.length;
    return toBinary(
      HandleJoinRequestSchema,
      create(HandleJoinRequestSchema, handleJoinRequest(rootKey, devEuis[d]!, nonces[d]!++, '1.0.4')),
    );
  });
const context = {
  deadline: undefined,
  metadata: {},
  signal: new AbortController().signal,
  peer: 'in-process',
};
async function call(bytes: Uint8Array) {
  const answer = await app.service.handleJoin(fromBinary(HandleJoinRequestSchema, bytes), context);
  return toBinary(HandleJoinResponseSchema, create(HandleJoinResponseSchema, answer as never));
}
async function round(inFlight: number, count: number) {
  const requests = next(count);
  let i = 0;
  const r0 = redisPid === undefined ? 0 : processCpuSeconds(redisPid);
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (i < requests.length) await call(requests[i++]!);
    }),
  );
  const c = process.cpuUsage(t0);
  const redisUs = redisPid === undefined ? NaN : ((processCpuSeconds(redisPid) - r0) * 1e6) / count;
  return { cpuUs: (c.user + c.system) / count, wallUs: ((performance.now() - w0) * 1000) / count, redisUs };
}
await round(64, 5000);
for (const inFlight of inFlights) {
  const results = [];
  for (let r = 0; r < rounds; r++)
    results.push(await round(inFlight, inFlight === 1 ? Math.min(joins, 5000) : joins));
  const cpu = results.map((r) => r.cpuUs).sort((a, b) => a - b);
  console.log(
    `in flight ${inFlight}: CPU µs/join median ${cpu[Math.floor(cpu.length / 2)]!.toFixed(1)} (rounds ${cpu.map((x) => x.toFixed(0)).join(' ')}), wall µs/join ${results.map((r) => r.wallUs.toFixed(0)).join(' ')}, Redis CPU µs/join ${results.map((r) => r.redisUs.toFixed(0)).join(' ')}`,
  );
}
await app.close();
await redis.quit();
