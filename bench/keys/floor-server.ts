// The floor of the keys bench: a gRPC server on libs/grpc (the same grpc-js server, mux and dispatch as the keys
// service) whose HandleJoin answers at once with a fixed response of the real size. What it takes to answer at a given
// rate on this machine is what no keys service could do under. Started by bench/keys/keys.bench.ts.
//
//   PORT=<port> node --import tsx bench/keys/floor-server.ts
import { createGrpcServer } from '@joinery/grpc';
import { KeysService, type HandleJoinResponse } from '@joinery/proto/keys/v1/keys_pb';

const answer: Partial<HandleJoinResponse> = {
  joinAcceptPhy: new Uint8Array(33).fill(1),
  nwkSKey: { kekLabel: 'ns:000013', key: new Uint8Array(24).fill(2) } as HandleJoinResponse['nwkSKey'],
  appSKey: { kekLabel: 'as:as1', key: new Uint8Array(24).fill(3) } as HandleJoinResponse['appSKey'],
  sessionKeyId: new Uint8Array(16).fill(4),
  joinNonce: 1,
};
const server = createGrpcServer();
// Every other method fails: the bench calls only HandleJoin.
server.add(
  KeysService,
  new Proxy(
    {},
    {
      get: (_target, name) =>
        name === 'handleJoin'
          ? async () => answer
          : async () => {
              throw new Error(`the floor server has no ${String(name)}`);
            },
    },
  ) as never,
);
const port = await server.listen(`127.0.0.1:${process.env.PORT ?? '0'}`);
console.log(`floor server listening on ${port}`);
process.once('SIGTERM', () => void server.close(100).then(() => process.exit(0)));
