// The Backend Interfaces edge of embedded mode, on its own thread: TLS, HTTP, the BI codec and the gateway's
// handler run here, while claims, keys and billing stay on the launcher's thread and are called over message ports
// (the same protobuf bytes as gRPC). So `npm start` uses both cores of a small machine instead of one.
import { parentPort, workerData } from 'node:worker_threads';
import { buildGatewayApp, loadGatewayConfig } from '@joinery/bi-gateway';
import { createPortClient } from '@joinery/grpc';
import { createLogger } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import type { EdgeWorkerData, FromEdge, ToEdge } from './protocol.js';

const data = workerData as EdgeWorkerData;
const launcher = parentPort;
if (launcher === null) throw new Error('edge-worker.ts runs as a worker thread of the embedded launcher');
const post = (message: FromEdge) => launcher.postMessage(message);

const logger = createLogger({
  service: data.logService,
  level: data.logLevel,
  destination: { write: (chunk: string) => post({ t: 'log', chunk }) },
});
const options = { defaultTimeoutMs: data.grpcTimeoutMs };
const claims = createPortClient(ClaimsService, data.claimsPort, options);
const keys = createPortClient(KeysService, data.keysPort, options);
const gateway = buildGatewayApp({ claims, keys, logger, config: loadGatewayConfig(data.env) });

launcher.on('message', (message: ToEdge) => {
  if (message.t !== 'stop') return;
  gateway.close().then(
    () => {
      claims.close();
      keys.close();
      post({ t: 'stopped' });
      launcher.close();
    },
    (err: unknown) => {
      logger.error({ err }, 'the Backend Interfaces edge did not close cleanly');
      post({ t: 'stopped' });
      launcher.close();
    },
  );
});

try {
  post({ t: 'listening', listening: await gateway.listen() });
} catch (err) {
  const { message, code } = err as { message?: unknown; code?: unknown };
  post({
    t: 'failed',
    message: typeof message === 'string' ? message : String(err),
    code: typeof code === 'string' ? code : undefined,
  });
  await gateway.close().catch(() => undefined);
  claims.close();
  keys.close();
  launcher.close();
}
