// The infrastructure helpers are also at `@joinery/testing/infra`; the simulated network server at
// `@joinery/testing/simulated-network`.
export { requireInfra, startInfra, infraErrors, freePort, infraVars } from './infra/index.js';
export type { Infra, InfraOptions, InfraVar } from './infra/index.js';
