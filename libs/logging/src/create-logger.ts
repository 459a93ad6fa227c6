import pino, { type DestinationStream, type Logger } from 'pino';
import { redactPaths, redactionCensor } from './redact-paths.js';

export interface LoggerOptions {
  /** Name of the service, written as `service` on every line. */
  service: string;
  /** pino level name; `info` unless set. */
  level?: string;
  /** Where lines go; stdout unless set. */
  destination?: DestinationStream;
}

/**
 * The one way to make a root logger. Call it object first, message second (`log.info({ dev_eui }, 'join accepted')`),
 * put errors under `err`, name fields in snake_case, and derive `log.child({ component: 'nonce' })` for fixed keys.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err },
    redact: { paths: [...redactPaths], censor: redactionCensor },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
