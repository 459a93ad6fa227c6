// A simulated network server and its devices, with real LoRaWAN crypto (@joinery/lorawan): for the demo, the e2e
// tests and the benches.
export { batchRow, bytesOf, hexOf, importBatchRow, simulatedDevice } from './device.js';
export type { SimulatedDevice } from './device.js';
export { joinReqMessage, joinRequestPhy, openJoinAns, unwrapEnvelope } from './join.js';
export type { JoinReqOptions, JoiningDevice, KeyEnvelope } from './join.js';
export { biClient, peerAgent, postBi, postBiMessage } from './bi-client.js';
export type { BiClient, BiClientOptions, BiResponse, PeerCredentials } from './bi-client.js';
export { SimulatedNetworkServer } from './network-server.js';
export type { JoinOutcome, NetworkServerIdentity } from './network-server.js';
