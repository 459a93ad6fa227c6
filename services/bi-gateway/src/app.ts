import type { FastifyInstance } from 'fastify';
import { JoineryError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { Registry } from 'prom-client';
import { BiHandler } from './domain/bi-handler.js';
import type { AsyncAnswerSender, ClaimsClient, KeysClient } from './domain/ports.js';
import { biPublicUrl, serverCertificateHostnames, type GatewayConfig } from './config.js';
import { createHttpAsyncSender } from './adapters/http/async-sender.js';
import { buildBiHttpApp, type TlsMaterial } from './adapters/http/bi-http-app.js';
import { AsyncClientCertificates } from './adapters/http/async-client-certificates.js';
import { buildMetricsApp } from './adapters/http/metrics-app.js';
import { startEventLoopDelaySampler } from './adapters/event-loop-delay.js';
import { GatewayMetrics } from './adapters/metrics.js';

export interface GatewayDeps {
  readonly claims: ClaimsClient;
  readonly keys: KeysClient;
  readonly logger: Logger;
  readonly config: GatewayConfig;
  readonly registry?: Registry;
  /** Shown on the metrics port beside the gateway's own metrics (the process's, `processMetricsRegistry()`). */
  readonly processMetrics?: Registry;
  /** The HTTPS listener's certificate; without it one is issued by Joinery's CA (claims) at `listen()`. */
  readonly tls?: TlsMaterial;
  /** Overrides the HTTP callback sender (tests). */
  readonly asyncSender?: AsyncAnswerSender;
}

export interface GatewayListening {
  readonly biPort: number;
  readonly biHttpPort?: number;
  readonly metricsPort?: number;
  readonly caCertPem: string;
  /** Where NSs reach the HTTPS listener (`JOINERY_BI_PUBLIC_URL`, or this host's name and the port listened on). */
  readonly publicUrl: string;
}

export interface GatewayApp {
  readonly handler: BiHandler;
  readonly registry: Registry;
  /** The plain-HTTP edge (no TLS), for `inject()` in tests and the optional lab listener. */
  readonly httpApp: FastifyInstance;
  listen(): Promise<GatewayListening>;
  close(): Promise<void>;
}

/** Wires the gateway; opens nothing until `listen()`. */
export function buildGatewayApp(deps: GatewayDeps): GatewayApp {
  const { config, logger } = deps;
  const registry = deps.registry ?? new Registry();
  let tls = deps.tls;
  let asyncSender = deps.asyncSender;
  // With Joinery's own CA (no TLS files given), asynchronous answers carry a certificate per JoinEUI, CN = the
  // answer's SenderID, as ChirpStack v3 requires. An operator's certificate from files is presented as it is.
  const perJoinEui = deps.tls === undefined ? new AsyncClientCertificates(deps.claims) : undefined;
  const eventLoop = startEventLoopDelaySampler();
  const handler: BiHandler = new BiHandler({
    eventLoopDelayMs: eventLoop.delayMs,
    claims: deps.claims,
    keys: deps.keys,
    logger,
    options: config,
    onRefusalLost: () => metrics.refusalsLost.inc(),
    asyncSender: {
      // Resolved lazily: the client certificate exists only once TLS material is known.
      send: (url, answer, context) =>
        (asyncSender ??= createHttpAsyncSender({
          logger,
          budgetMs: config.asyncDeliveryBudgetMs,
          allowPrivateAddresses: config.allowPrivateAsyncUrls,
          ...(tls === undefined
            ? {}
            : {
                clientTls: perJoinEui === undefined ? tls : (senderId: string) => perJoinEui.for(senderId),
                caPem: tls.caPem,
              }),
        })).send(url, answer, context),
    },
  });
  const metrics: GatewayMetrics = new GatewayMetrics(registry, {
    inFlight: () => handler.inFlight,
    backlog: async () => {
      const b = await deps.keys.getOutboxBacklog({}, { timeoutMs: 1000 });
      return {
        events: Number(b.events),
        oldestEventMs: b.oldestEventTime === undefined ? undefined : timestampMs(b.oldestEventTime),
      };
    },
    refusalsPending: () => handler.refusalsPending,
  });
  const httpApp = buildBiHttpApp({
    handler,
    logger,
    metrics,
    aliasPaths: config.aliasPaths,
    idleTimeoutMs: config.idleTimeoutMs,
  });
  const opened: FastifyInstance[] = [];

  return {
    handler,
    registry,
    httpApp,
    async listen() {
      if (tls === undefined) {
        const issued = await deps.claims.issueServerCertificate({
          hostnames: serverCertificateHostnames(config),
        });
        tls = { certPem: issued.certPem, keyPem: issued.keyPem, caPem: issued.caCertPem };
      }
      const httpsApp = buildBiHttpApp({
        handler,
        logger,
        metrics,
        tls,
        aliasPaths: config.aliasPaths,
        idleTimeoutMs: config.idleTimeoutMs,
      });
      opened.push(httpsApp);
      await httpsApp.listen({ host: config.host, port: config.biPort });
      const biPort = portOf(httpsApp);
      let biHttpPort: number | undefined;
      if (config.biHttpPort !== undefined) {
        opened.push(httpApp);
        await httpApp.listen({ host: config.host, port: config.biHttpPort });
        biHttpPort = portOf(httpApp);
      }
      let metricsPort: number | undefined;
      if (config.metricsPort !== undefined) {
        const shown = deps.processMetrics === undefined ? [registry] : [registry, deps.processMetrics];
        const metricsApp = buildMetricsApp(shown, async () => {
          const [claimsUp, keysUp] = await Promise.all([
            answers(deps.claims.authenticatePeer({}, { timeoutMs: 1000 })),
            answers(deps.keys.getNonceState({ devEui: new Uint8Array(8) }, { timeoutMs: 1000 })),
          ]);
          return claimsUp && keysUp;
        });
        opened.push(metricsApp);
        await metricsApp.listen({ host: config.host, port: config.metricsPort });
        metricsPort = portOf(metricsApp);
      }
      logger.info(
        { bi_port: biPort, bi_http_port: biHttpPort, metrics_port: metricsPort },
        'Backend Interfaces listening',
      );
      return {
        biPort,
        ...(biHttpPort === undefined ? {} : { biHttpPort }),
        ...(metricsPort === undefined ? {} : { metricsPort }),
        caCertPem: tls.caPem,
        publicUrl: biPublicUrl(config, biPort),
      };
    },
    async close() {
      await Promise.all(opened.map((app) => app.close()));
      if (!opened.includes(httpApp)) await httpApp.close();
      // The listeners are closed: no new refusals. Those still on their way to keys get a moment to arrive.
      await handler.close();
      eventLoop.stop();
    },
  };
}

/** A dependency is up when it answers, even with a refusal; transport failures (`grpc:*`) mean it is not. */
async function answers(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (err) {
    return !JoineryError.from(err).code.startsWith('grpc:');
  }
}

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('listener has no port');
  return address.port;
}
