import {
  allowPrivateCallbacksSetting,
  duration,
  int,
  list,
  loadConfig,
  oneOf,
  port,
  string,
  url,
  type ConfigOf,
} from '@joinery/config';
import { hostname } from 'node:os';
import { grpcMultiplexSetting } from '@joinery/grpc';

/** The gateway's one configuration schema (env `JOINERY_*`). */
export const gatewayConfigSchema = {
  host: string('JOINERY_BI_HOST', { default: '0.0.0.0' }),
  biPort: port('JOINERY_BI_PORT', { default: 7443 }),
  /** Plain-HTTP Backend Interfaces listener for bearer-token peers (lab set-ups); off unless set. */
  biHttpPort: port('JOINERY_BI_HTTP_PORT', { optional: true }),
  /** Prometheus metrics, health and readiness; off unless set. */
  metricsPort: port('JOINERY_BI_METRICS_PORT', { optional: true }),
  /** Extra POST paths that serve the same handler as `/` (TTS lets operators set per-message paths). */
  aliasPaths: list('JOINERY_BI_ALIAS_PATHS', { default: [] }),
  /** PEM files for the HTTPS listener; without them a certificate is issued by Joinery's CA through claims. */
  tlsCertFile: string('JOINERY_BI_TLS_CERT_FILE', { optional: true }),
  tlsKeyFile: string('JOINERY_BI_TLS_KEY_FILE', { optional: true }),
  tlsCaFile: string('JOINERY_BI_TLS_CA_FILE', { optional: true }),
  /**
   * Subject alternative names of the issued server certificate; the host of the public URL is always added.
   */
  tlsHostnames: list('JOINERY_BI_TLS_HOSTNAMES', { default: ['localhost', '127.0.0.1'] }),
  /**
   * The address NSs reach the Backend Interfaces at (what the CLI's bundles and the NS configuration name). Default:
   * `https://<this host's name>:<JOINERY_BI_PORT>/`.
   */
  publicUrl: url('JOINERY_BI_PUBLIC_URL', { optional: true, protocols: ['https:', 'http:'] }),
  /**
   * How long an idle NS connection stays open (HTTP/1.1 keep-alive and HTTP/2 sessions, TLS and plain). NSs reuse
   * their connections between joins; 120 s or more is what the issue asks for.
   */
  idleTimeoutMs: duration('JOINERY_BI_IDLE_TIMEOUT', { default: 125_000 }),
  /**
   * Budget of one request from its arrival: past it the NS gets a well-formed error instead of waiting, and nothing is
   * answered later. Keep it under the NS's timeout (ChirpStack: 5 s, or its async_timeout).
   */
  deadlineMs: duration('JOINERY_BI_DEADLINE_MS', { default: 1000 }),
  /** Requests in flight (from arrival, bodies still being read included) before new ones are refused at once. */
  maxInFlight: int('JOINERY_BI_MAX_IN_FLIGHT', { default: 512, min: 1 }),
  /**
   * The adaptive limit on requests in flight (`AdaptiveLimit`, which follows the measured service time) never falls
   * below this; set it to `JOINERY_BI_MAX_IN_FLIGHT` to hold the limit there (no adaptive limit).
   */
  minInFlight: int('JOINERY_BI_MIN_IN_FLIGHT', { default: 2, min: 1 }),
  /**
   * A request handled later than this after it arrived, the gateway busy with its own work meanwhile (CPU time), is
   * refused unprocessed (overload: shed, don't queue).
   */
  maxQueueAgeMs: duration('JOINERY_BI_MAX_QUEUE_AGE', { default: 250 }),
  /** While the event loop runs this far behind with work of its own (not a process starved of CPU), arrivals are refused at once. */
  maxEventLoopDelayMs: duration('JOINERY_BI_MAX_EVENT_LOOP_DELAY', { default: 200 }),
  /** While every answer of a busy 100 ms interval (16 or more) took longer than this from arrival (a standing queue), arrivals are refused. */
  targetSojournMs: duration('JOINERY_BI_TARGET_LATENCY', { default: 50 }),
  /** Keys is not called with less of the deadline left than this (the answer would be late; a JoinNonce wasted). */
  minKeysBudgetMs: duration('JOINERY_BI_MIN_KEYS_BUDGET', { default: 100 }),
  /** Per-peer token bucket: sustained requests/s and burst. */
  peerRatePerSecond: int('JOINERY_BI_PEER_RATE', { default: 5000, min: 1 }),
  peerBurst: int('JOINERY_BI_PEER_BURST', { default: 10000, min: 1 }),
  /** How long an identical JoinReq gets the same answer again (TTS races and retries). */
  duplicateWindowMs: duration('JOINERY_BI_DUPLICATE_WINDOW', { default: 60_000 }),
  /** Bound on asynchronous answer delivery (ChirpStack waits `async_timeout`, typically 1–5 s). */
  asyncDeliveryBudgetMs: duration('JOINERY_BI_ASYNC_BUDGET', { default: 4_000 }),
  /**
   * Asynchronous answers go only to public addresses (checked on the address each connection resolves to) unless
   * this is true; the same variable lets claims register such asyncUrls. For lab set-ups with a local NS.
   */
  allowPrivateAsyncUrls: allowPrivateCallbacksSetting,
  grpcMultiplex: grpcMultiplexSetting,
  claimsAddress: string('JOINERY_CLAIMS_GRPC_ADDRESS', { default: '127.0.0.1:7402' }),
  keysAddress: string('JOINERY_KEYS_GRPC_ADDRESS', { default: '127.0.0.1:7401' }),
  logLevel: oneOf('JOINERY_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'], { default: 'info' }),
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}

/** The public BI URL: `JOINERY_BI_PUBLIC_URL`, or `https://<host name>:<the port listened on>/`. */
export function biPublicUrl(
  config: Pick<GatewayConfig, 'publicUrl'>,
  listenedPort: number,
  host = hostname(),
): string {
  if (config.publicUrl !== undefined) return new URL(config.publicUrl).href;
  return new URL(`https://${host}:${listenedPort}/`).href;
}

/** The SANs of the issued server certificate: `JOINERY_BI_TLS_HOSTNAMES` plus the public URL's host. */
export function serverCertificateHostnames(
  config: Pick<GatewayConfig, 'publicUrl' | 'tlsHostnames'>,
  host = hostname(),
): string[] {
  const publicHost =
    config.publicUrl === undefined ? host : new URL(config.publicUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  return [...new Set([...config.tlsHostnames, publicHost].filter((h) => h !== ''))];
}
