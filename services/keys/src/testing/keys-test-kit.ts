import { captureLogs, type CapturedLogs } from '@joinery/logging';
import { isLoRaWAN11 } from '@joinery/lorawan';
import { createMemoryStateStore, type MemoryStateStore } from '../adapters/memory/memory-state-store.js';
import { bytesFromHex } from '../domain/hex.js';
import type { JoinContext, KeysDomainDeps, PeerSettings } from '../domain/join-pipeline.js';
import type { KeysStateStore, MacVersion } from '../domain/ports.js';
import { createFakeKeyVault, joinRequestPhy, type FakeKeyVault } from './fake-key-vault.js';

/** A ready-made domain with fakes: one 1.0.x device and one 1.1 device, peer KEKs, captured logs. */
export interface KeysTestKit<S extends KeysStateStore = MemoryStateStore> {
  readonly deps: KeysDomainDeps & { vault: FakeKeyVault; state: S };
  readonly logs: CapturedLogs;
  readonly clock: { now(): number; advance(ms: number): void };
  readonly rootKey: Uint8Array;
  readonly appKey: Uint8Array;
  readonly nsKek: Uint8Array;
  readonly asKek: Uint8Array;
  readonly joinEui: Uint8Array;
  /** Imports a device and returns its DevEUI. */
  device(macVersion: MacVersion, devEui?: string): Promise<Uint8Array>;
  /** A HandleJoin context with a correctly MIC'd join-request. */
  joinContext(
    devEui: Uint8Array,
    macVersion: MacVersion | undefined,
    devNonce: number,
    peer?: Partial<PeerSettings>,
  ): JoinContext;
}

export const defaultPeer: PeerSettings = {
  nwkKeyDelivery: { kekLabel: 'ns:000013' },
  appSKeyDelivery: { kekLabel: 'as:as1' },
  optNegAllowed: true,
};

/** The claim binding every `joinContext` is made under. */
export const kitBindingId = 'binding-1';

export async function createKeysTestKit<S extends KeysStateStore = MemoryStateStore>(
  options: { state?: S; maxSessions?: number; historySize?: number } = {},
): Promise<KeysTestKit<S>> {
  const vault = createFakeKeyVault();
  const logs = captureLogs({ service: 'keys' });
  let now = 1_760_000_000_000;
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const rootKey = bytesFromHex('2b7e151628aed2a6abf7158809cf4f3c');
  const appKey = bytesFromHex('101112131415161718191a1b1c1d1e1f');
  const nsKek = bytesFromHex('00112233445566778899aabbccddeeff');
  const asKek = bytesFromHex('ffeeddccbbaa99887766554433221100');
  const joinEui = bytesFromHex('00005eef10000001');
  await vault.createKek('ns:000013', { purpose: 'peer', key: nsKek });
  await vault.createKek('as:as1', { purpose: 'peer', key: asKek });
  await vault.createKek('storage', { purpose: 'storage' });
  let next = 1;
  const state = (options.state ?? createMemoryStateStore()) as S;
  return {
    deps: {
      vault,
      state,
      clock,
      logger: logs.logger,
      config: {
        devNonceHistorySize: options.historySize ?? 1024,
        maxSessions: options.maxSessions ?? 10,
        storageKekLabel: 'storage',
      },
    },
    logs,
    clock,
    rootKey,
    appKey,
    nsKek,
    asKek,
    joinEui,
    async device(macVersion, devEuiHex) {
      const devEui = bytesFromHex(
        devEuiHex ??
          `00005EEF2${(Date.now() % 0xfffff).toString(16).padStart(5, '0')}${(next++).toString(16).padStart(2, '0')}`.slice(
            0,
            16,
          ),
      );
      await vault.importRootKeys({
        devEui,
        nwkKey: rootKey,
        ...(isLoRaWAN11(macVersion) ? { appKey } : {}),
        overwrite: true,
      });
      return devEui;
    },
    joinContext(devEui, macVersion, devNonce, peer = {}) {
      return {
        device: {
          devEui,
          joinEui,
          macVersion,
          accountId: 'acc-1',
          networkServerId: 'ns-1',
          bindingId: kitBindingId,
        },
        request: {
          phyPayload: joinRequestPhy(rootKey, joinEui, devEui, devNonce),
          devAddr: bytesFromHex('260B1A2C'),
          netId: bytesFromHex('000013'),
          nsId: new Uint8Array(0),
          dlSettings: 0,
          rxDelay: 1,
          cfList: new Uint8Array(0),
          protocolVersion: '1.0',
        },
        peer: { ...defaultPeer, ...peer },
      };
    },
  };
}
