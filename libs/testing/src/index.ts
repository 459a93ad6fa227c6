// The infrastructure helpers are also at `@joinery/testing/infra`; contract suites at `@joinery/testing/contracts/*`.
export { requireInfra, startInfra, infraErrors, freePort, infraVars } from './infra/index.js';
export type { Infra, InfraOptions, InfraVar } from './infra/index.js';
