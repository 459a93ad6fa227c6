import { hostname } from 'node:os';
import { list, loadConfig, oneOf, port, string, url, type ConfigOf } from '@joinery/config';
import { grpcMultiplexSetting } from '@joinery/grpc';

/** The console's one configuration schema (env `JOINERY_*`). */
export const consoleConfigSchema = {
  /** Loopback unless set: the management API is reachable from other machines only when configured so. */
  apiHost: string('JOINERY_API_HOST', { default: '127.0.0.1' }),
  /** REST API under `/api/v1` and the web console at `/` (PRODUCT management contract). */
  apiPort: port('JOINERY_API_PORT', { default: 7080 }),
  /** Where NSs reach the Backend Interfaces, shown at `GET /api/v1/system/bi` (the gateway's own setting). */
  biPublicUrl: url('JOINERY_BI_PUBLIC_URL', { optional: true, protocols: ['https:', 'http:'] }),
  biPort: port('JOINERY_BI_PORT', { default: 7443 }),
  grpcMultiplex: grpcMultiplexSetting,
  claimsAddress: string('JOINERY_CLAIMS_GRPC_ADDRESS', { default: '127.0.0.1:7402' }),
  billingAddress: string('JOINERY_BILLING_GRPC_ADDRESS', { default: '127.0.0.1:7403' }),
  logLevel: oneOf('JOINERY_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'], { default: 'info' }),
  /**
   * Kafka, for the live join activity streams: each console process reads `joinery.joins.v1` in a consumer group of
   * its own (`<prefix>-<host>-<pid>-<random>`, from the newest record), so every replica sees every event. Unset: the
   * streams answer 503.
   */
  kafkaBrokers: list('JOINERY_KAFKA_BROKERS', { optional: true }),
  kafkaGroupPrefix: string('JOINERY_CONSOLE_KAFKA_GROUP_PREFIX', { default: 'joinery-console' }),
};

export type ConsoleConfig = ConfigOf<typeof consoleConfigSchema>;

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig(consoleConfigSchema, env);
}

/** The public BI URL as the gateway derives it: `JOINERY_BI_PUBLIC_URL`, or this host's name and `JOINERY_BI_PORT`. */
export function biPublicUrlOf(
  config: Pick<ConsoleConfig, 'biPublicUrl' | 'biPort'>,
  host = hostname(),
): string {
  return new URL(config.biPublicUrl ?? `https://${host}:${config.biPort}/`).href;
}
