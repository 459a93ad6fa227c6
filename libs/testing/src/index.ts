// The infrastructure helpers are also at `@joinery/testing/infra`; the simulated network server at
// `@joinery/testing/simulated-network`; contract suites at `@joinery/testing/contracts/*`.
export { requireInfra, startInfra, infraErrors, freePort, infraVars } from './infra/index.js';
export type { Infra, InfraOptions, InfraVar } from './infra/index.js';
