// The bi-gateway as its own process: config → logger → gRPC clients → buildGatewayApp → listen; SIGTERM → close.
import { readFileSync } from 'node:fs';
import { JoineryError } from '@joinery/errors';
import { createGrpcClient } from '@joinery/grpc';
import { createLogger } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { processMetricsRegistry } from './adapters/metrics.js';
import { buildGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

const config = loadGatewayConfig();
const logger = createLogger({ service: 'bi-gateway', level: config.logLevel });
const grpcOptions = { multiplex: config.grpcMultiplex };
const claims = createGrpcClient(ClaimsService, config.claimsAddress, grpcOptions);
const keys = createGrpcClient(KeysService, config.keysAddress, grpcOptions);
const tls =
  config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined && config.tlsCaFile !== undefined
    ? {
        certPem: readFileSync(config.tlsCertFile, 'utf8'),
        keyPem: readFileSync(config.tlsKeyFile, 'utf8'),
        caPem: readFileSync(config.tlsCaFile, 'utf8'),
      }
    : undefined;
const app = buildGatewayApp({
  claims,
  keys,
  logger,
  config,
  processMetrics: processMetricsRegistry(),
  ...(tls === undefined ? {} : { tls }),
});
// Without its own certificate the gateway asks claims for one: wait for claims rather than die when the services
// start together (compose, systemd), for up to a minute.
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    await app.listen();
    break;
  } catch (err) {
    if (!JoineryError.is(err) || err.kind !== 'unavailable' || Date.now() > deadline) {
      logger.error({ err }, 'bi-gateway failed to start');
      process.exit(1);
    }
    logger.info({ claims: config.claimsAddress }, 'waiting for the claims service');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    void app.close().finally(() => {
      claims.close();
      keys.close();
      process.exit(0);
    });
  });
