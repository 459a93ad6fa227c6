import { oneOf, port, secret, string, type ConfigOf } from '@joinery/config';

/**
 * What the launcher itself reads (PRODUCT management contract). Each service still reads its own schema from the
 * same environment, so every `JOINERY_*` setting of a service works in embedded mode too.
 */
export const launcherConfigSchema = {
  dataDir: string('JOINERY_DATA_DIR', { default: './data' }),
  /** Loopback unless set: the management API is reachable from other machines only when configured so. */
  apiHost: string('JOINERY_API_HOST', { default: '127.0.0.1' }),
  apiPort: port('JOINERY_API_PORT', { default: 7080 }),
  adminToken: secret('JOINERY_ADMIN_TOKEN', { optional: true }),
  logLevel: oneOf('JOINERY_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'], { default: 'info' }),
};

export type LauncherConfig = ConfigOf<typeof launcherConfigSchema>;
