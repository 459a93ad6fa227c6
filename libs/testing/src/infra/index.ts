export { startInfra } from './start-infra.js';
export type { Infra, InfraOptions } from './start-infra.js';
export { requireInfra, infraVars } from './require-infra.js';
export type { InfraVar } from './require-infra.js';
export { infraErrors } from './errors.js';
export { freePort } from './free-port.js';
export { kafkaVersion, kafkaImage } from './kafka-config.js';
export { spawnManaged } from './managed-process.js';
export type { ManagedProcess, SpawnOptions } from './managed-process.js';
