import type { Logger } from '@joinery/logging';
import type { FastifyInstance } from 'fastify';
import { buildConsoleHttpApp } from './adapters/http/console-http-app.js';
import type { ActivityHub } from './domain/activity-hub.js';
import type { BillingQueries, ClaimsClient } from './domain/ports.js';

export interface ConsoleAppDeps {
  readonly claims: ClaimsClient;
  /** Absent: the billing calls answer 503 `billing_unavailable`. */
  readonly billing?: BillingQueries;
  readonly logger: Logger;
  /** The Backend Interfaces' public URL, shown at `GET /api/v1/system/bi` (absent: that route answers 404). */
  readonly biPublicUrl?: string;
  /** The web console's bundle folder (default: libs/console-web's `dist/`). */
  readonly webConsoleDir?: string;
  /** Join events as they happen (fed by a bus subscription) for the live activity streams; absent: they answer 503. */
  readonly activity?: ActivityHub;
  /** How often an activity stream sends a heartbeat comment (default 15 s). */
  readonly activityHeartbeatMs?: number;
  /** Bound of each check of `GET /api/v1/system/health` (default 1 s). */
  readonly healthTimeoutMs?: number;
}

export interface ConsoleApp {
  /** The REST API and web console, for `inject()` in tests. */
  readonly http: FastifyInstance;
  /** Listens; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

/** Wires the console; opens nothing until `listen()`. */
export async function buildConsoleApp(deps: ConsoleAppDeps): Promise<ConsoleApp> {
  const http = await buildConsoleHttpApp(deps);
  return {
    http,
    async listen(host, port) {
      await http.listen({ host, port });
      const address = http.server.address();
      return typeof address === 'object' && address !== null ? address.port : port;
    },
    close: () => http.close(),
  };
}
