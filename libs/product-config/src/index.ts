export {
  chirpStackV3Kek,
  chirpStackV3Servers,
  chirpStackV4Kek,
  chirpStackV4Servers,
  exactJoinEui,
  quoted,
  ttsInterop,
  ttsJoinServer,
  ttsJoinServers,
  ttsKeyVault,
} from './product-config.js';
export type { JoinServerConnection, KekSetting } from './product-config.js';
