export { startEmbedded } from './embedded.js';
export type { RunningEmbedded } from './embedded.js';
export { launcherConfigSchema } from './config.js';
export { runCli } from './cli/run-cli.js';
export type { CliIo } from './cli/run-cli.js';
export { createApiClient, ApiError } from './cli/api-client.js';
export type { ApiClient } from './cli/api-client.js';
export { writeNetworkServerBundle } from './cli/ns-bundle.js';
export type { RegisteredNetworkServer } from './cli/ns-bundle.js';
export { startBanner } from './start.js';
export { runDemo, demoProblems } from './demo/run-demo.js';
export type { DemoOptions, DemoReport } from './demo/run-demo.js';
export {
  batchRow,
  peerAgent,
  postBi,
  simulatedDevice,
  SimulatedNetworkServer,
} from '@joinery/testing/simulated-network';
export type { JoinOutcome, NetworkServerIdentity, SimulatedDevice } from '@joinery/testing/simulated-network';
export { loopbackEmbeddedEnv } from './testing/loopback-env.js';
export { deviceCsv, nsRegisterArgs, runCapturedCli, type CapturedCliRun } from './testing/cli-capture.js';
