import { loadConfig, oneOf, port, string, type ConfigOf } from '@joinery/config';
import { grpcMultiplexSetting } from '@joinery/grpc';

/** The console's one configuration schema (env `JOINERY_*`). */
export const consoleConfigSchema = {
  apiHost: string('JOINERY_API_HOST', { default: '0.0.0.0' }),
  /** REST API under `/api/v1` and the web console at `/` (PRODUCT management contract). */
  apiPort: port('JOINERY_API_PORT', { default: 7080 }),
  grpcMultiplex: grpcMultiplexSetting,
  claimsAddress: string('JOINERY_CLAIMS_GRPC_ADDRESS', { default: '127.0.0.1:7402' }),
  billingAddress: string('JOINERY_BILLING_GRPC_ADDRESS', { default: '127.0.0.1:7403' }),
  logLevel: oneOf('JOINERY_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'], { default: 'info' }),
};

export type ConsoleConfig = ConfigOf<typeof consoleConfigSchema>;

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig(consoleConfigSchema, env);
}
