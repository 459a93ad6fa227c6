// The floor of the keys bench: a gRPC server on libs/grpc (the same grpc-js server, mux and dispatch as the keys
// service) whose HandleJoin answers at once with a fixed response of the real size. What it takes to answer at a given
// rate on this machine is what no keys service could do under. Started by bench/keys/keys.bench.ts and bench/ratios.
//
//   PORT=<port> node --import tsx bench/keys/floor-server.ts
//
// FLOOR_WORK adds to each answer what no keys service can do without, to measure the floor of the floor
// (bench/keys/floor-of-floor.bench.ts): `crypto` (the crypto-only join of bench/lorawan plus the third RFC 3394 wrap,
// the AppSKey under the storage KEK), `redis` (the keys service's two atomic Redis steps, reserve and commit, through
// its own state store on REDIS_URL, for the request's DevEUI and DevNonce), or `crypto+redis`.
import { createGrpcServer } from '@joinery/grpc';
import { connectRedis } from '@joinery/store';
import { AES128Key, keyWrap } from '@joinery/lorawan';
import { KeysService, type HandleJoinRequest, type HandleJoinResponse } from '@joinery/proto/keys/v1/keys_pb';
import { createRedisStateStore } from '../../services/keys/src/adapters/redis/redis-state-store.js';
import { idHex } from '../../services/keys/src/domain/hex.js';
import { join10Crypto } from '../lorawan/join-crypto.js';

const answer: Partial<HandleJoinResponse> = {
  joinAcceptPhy: new Uint8Array(33).fill(1),
  nwkSKey: { kekLabel: 'ns:000013', key: new Uint8Array(24).fill(2) } as HandleJoinResponse['nwkSKey'],
  appSKey: { kekLabel: 'as:as1', key: new Uint8Array(24).fill(3) } as HandleJoinResponse['appSKey'],
  sessionKeyId: new Uint8Array(16).fill(4),
  joinNonce: 1,
};

const work = process.env.FLOOR_WORK ?? 'none';
if (!['none', 'crypto', 'redis', 'crypto+redis'].includes(work)) throw new Error(`FLOOR_WORK ${work}?`);
const storageKek = AES128Key.parse('303132333435363738393a3b3c3d3e3f');
const appSKey = new Uint8Array(16).fill(5);
const state = work.includes('redis')
  ? createRedisStateStore(connectRedis(process.env.REDIS_URL ?? '', { connectionName: 'floor-server' }), {
      prefix: `bench:floor:${work}`,
    })
  : undefined;
// A JoinEvent and a session of the real sizes.
const event = { topic: 'joinery.joins.v1', key: '', value: new Uint8Array(120).fill(6) };
const digest = 'f'.repeat(64);

async function handleJoin(req: HandleJoinRequest): Promise<Partial<HandleJoinResponse>> {
  if (work.includes('crypto')) {
    join10Crypto();
    keyWrap(storageKek, appSKey);
  }
  if (state !== undefined) {
    const devEui = idHex(req.device!.devEui);
    const phy = req.request!.phyPayload;
    const devNonce = phy[17]! | (phy[18]! << 8);
    const now = Date.now();
    const reserved = await state.reserve(devEui, {
      kind: 'dev_nonce',
      policy: 'counter',
      devNonce,
      retry: { digest, now, windowMs: 60_000 },
    });
    if (!reserved.ok) throw new Error(`floor reserve refused: ${reserved.refusal}`);
    const sessionKeyId = 'A'.repeat(32);
    await state.commitSession(
      devEui,
      {
        sessionKeyId,
        joinNonce: reserved.joinNonce,
        storageKekLabel: 'storage',
        storedAppSKey: new Uint8Array(24).fill(7),
        bindingId: 'binding-1',
        createdAt: now,
      },
      4,
      { ...event, key: devEui },
      { devNonce, digest, joinNonce: reserved.joinNonce, sessionKeyId, eventId: 'e'.repeat(36), at: now },
    );
  }
  return answer;
}

const server = createGrpcServer();
// Every other method fails: the bench calls only HandleJoin.
server.add(
  KeysService,
  new Proxy(
    {},
    {
      get: (_target, name) =>
        name === 'handleJoin'
          ? handleJoin
          : async () => {
              throw new Error(`the floor server has no ${String(name)}`);
            },
    },
  ) as never,
);
const port = await server.listen(`127.0.0.1:${process.env.PORT ?? '0'}`);
console.log(`floor server listening on ${port}`);
process.once('SIGTERM', () => void server.close(100).then(() => process.exit(0)));
