import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import * as grpc from '@grpc/grpc-js';

/**
 * The standard gRPC health service (`grpc.health.v1.Health/Check`, grpc/grpc-proto health.proto), which Kubernetes'
 * `grpc` probes and `grpc_health_probe` call. `""` (the server) and every registered service name answer SERVING
 * while the server accepts calls (a closing server refuses calls, which probes count as a failure); any other name
 * is NOT_FOUND. Watch is not served (UNIMPLEMENTED): probes only call Check.
 */
export const healthCheckPath = '/grpc.health.v1.Health/Check';

/** HealthCheckResponse.ServingStatus. */
export const ServingStatus = { SERVING: 1, NOT_SERVING: 2 } as const;

/** HealthCheckRequest { string service = 1; }: the requested service name; unknown fields are skipped. */
export function decodeHealthCheckRequest(bytes: Uint8Array): string {
  const reader = new BinaryReader(bytes);
  let service = '';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) service = reader.string();
    else reader.skip(wireType);
  }
  return service;
}

/** HealthCheckResponse { ServingStatus status = 1; }. */
export function encodeHealthCheckResponse(status: number): Uint8Array {
  return new BinaryWriter()
    .uint32((1 << 3) | WireType.Varint)
    .int32(status)
    .finish();
}

export interface HealthState {
  /** Service full names (`joinery.keys.v1.KeysService`) that answer besides `""`. */
  readonly services: Set<string>;
}

export function healthDefinition(): grpc.ServiceDefinition {
  return {
    Check: {
      path: healthCheckPath,
      requestStream: false,
      responseStream: false,
      originalName: 'check',
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (value: Buffer) => value,
      responseSerialize: (value: Buffer) => value,
      responseDeserialize: (value: Buffer) => value,
    },
  };
}

export function healthHandlers(state: HealthState): grpc.UntypedServiceImplementation {
  const check: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    let service: string;
    try {
      service = decodeHealthCheckRequest(call.request);
    } catch {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: 'malformed HealthCheckRequest' });
      return;
    }
    if (service !== '' && !state.services.has(service)) {
      callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      return;
    }
    const answer = encodeHealthCheckResponse(ServingStatus.SERVING);
    callback(null, Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength));
  };
  return { Check: check };
}
