import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { EchoService } from '@joinery/proto/testing/v1/echo_pb';
import { createGrpcServer } from './grpc-server.js';
import {
  decodeHealthCheckRequest,
  encodeHealthCheckResponse,
  healthCheckPath,
  ServingStatus,
} from './health.js';

const request = (service: string) =>
  Buffer.from(
    new BinaryWriter()
      .uint32((1 << 3) | WireType.LengthDelimited)
      .string(service)
      .finish(),
  );

/** Calls Check as grpc_health_probe does; resolves with the ServingStatus or rejects with the gRPC status. */
function check(client: grpc.Client, service: string): Promise<number> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      healthCheckPath,
      (b: Buffer) => b,
      (b: Buffer) => b,
      request(service),
      (err, answer) => {
        if (err) return reject(err);
        const bytes = answer!;
        // HealthCheckResponse: field 1 varint.
        assert.equal(bytes[0], 0x08);
        resolve(bytes[1]!);
      },
    ),
  );
}

test('HealthCheckRequest and HealthCheckResponse are the health.proto encodings', () => {
  assert.equal(
    decodeHealthCheckRequest(request('joinery.keys.v1.KeysService')),
    'joinery.keys.v1.KeysService',
  );
  assert.equal(decodeHealthCheckRequest(new Uint8Array()), '');
  // An unknown field before the name is skipped.
  const withUnknown = new BinaryWriter()
    .uint32((2 << 3) | WireType.Varint)
    .uint32(7)
    .uint32((1 << 3) | 2)
    .string('x')
    .finish();
  assert.equal(decodeHealthCheckRequest(withUnknown), 'x');
  assert.deepEqual([...encodeHealthCheckResponse(ServingStatus.SERVING)], [0x08, 0x01]);
  assert.deepEqual([...encodeHealthCheckResponse(ServingStatus.NOT_SERVING)], [0x08, 0x02]);
});

test('every gRPC server answers grpc.health.v1.Health/Check: SERVING for itself and its services, NOT_FOUND otherwise', async () => {
  const server = createGrpcServer();
  server.add(EchoService, { echo: async () => ({}) } as never);
  const port = await server.listen('127.0.0.1:0');
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    assert.equal(await check(client, ''), ServingStatus.SERVING);
    assert.equal(await check(client, EchoService.typeName), ServingStatus.SERVING);
    await assert.rejects(check(client, 'joinery.nope.v1.Nope'), { code: grpc.status.NOT_FOUND });
    await assert.rejects(
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          healthCheckPath,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from([0x0a, 0x05]),
          (err, a) => (err ? reject(err) : resolve(a)),
        ),
      ),
      { code: grpc.status.INVALID_ARGUMENT },
    );
  } finally {
    client.close();
    await server.close(1000);
  }
});
