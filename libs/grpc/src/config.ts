import { bool } from '@joinery/config';

/**
 * `JOINERY_GRPC_MULTIPLEX` for the services' configuration schemas: their calls to the other services multiplexed on
 * one long-lived gRPC stream per service (the default, ADR 0006), or one HTTP/2 stream per call (`false`: for proxies
 * that balance per call). Pass it on as `createGrpcClient`'s `multiplex` option.
 */
export const grpcMultiplexSetting = bool('JOINERY_GRPC_MULTIPLEX', { default: true });
