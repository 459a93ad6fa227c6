export { createLogger } from './create-logger.js';
export type { LoggerOptions } from './create-logger.js';
export { captureLogs } from './capture-logs.js';
export type { CapturedLogs } from './capture-logs.js';
export { redactPaths, redactionCensor, secretFieldNames } from './redact-paths.js';
export type { DestinationStream, Logger } from 'pino';
