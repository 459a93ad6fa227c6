import type { DeviceRecord, PeerRecord } from './model.js';

/** A stored device with sensible defaults, for store and use-case tests. */
export function deviceFixture(devEui: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    rev: 1,
    devEui,
    joinEui: '70B3D57ED0000000',
    macVersion: '1.0.3',
    claimCodeHash: 'scrypt$10$8$1$c2FsdA==$aGFzaA==',
    batchId: 'batch-1',
    manufacturer: 'acme',
    state: 'unclaimed',
    lockReason: null,
    accountId: null,
    networkServerId: null,
    applicationServerId: null,
    claimedAt: null,
    activated: false,
    joinCount: 0,
    lastJoinAt: null,
    outbox: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function peerFixture(id: string, overrides: Partial<PeerRecord> = {}): PeerRecord {
  return {
    rev: 1,
    id,
    kind: 'network-server',
    accountId: 'acc_1',
    name: 'ns',
    netId: '000013',
    nsId: null,
    asId: null,
    kekLabel: `ns-${id}`,
    appSKeyDelivery: 'wrapped',
    plaintextNwkKeys: false,
    lifetime: 0,
    asyncUrl: null,
    credentials: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
