export { buildConsoleApp } from './app.js';
export type { ConsoleApp, ConsoleAppDeps } from './app.js';
export { consoleConfigSchema, loadConsoleConfig } from './config.js';
export type { ConsoleConfig } from './config.js';
export { consoleErrors } from './domain/errors.js';
export type { BillingQueries, ChargeView, ClaimsClient, InvoiceView } from './domain/ports.js';
export { httpStatusByKind, restErrorOf } from './adapters/http/http-status.js';
export { openApiPath } from './adapters/http/console-http-app.js';
export { billingQueriesOf } from './adapters/grpc/billing-queries.js';
