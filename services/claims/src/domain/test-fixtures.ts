import { test } from 'node:test';
import { importedDevice } from './devices.js';
import type { DeviceRecord, JoinActivityRecord, PeerRecord } from './model.js';
import type { ClaimsStore } from './ports.js';

/** A stored device with sensible defaults, for store and use-case tests. */
export function deviceFixture(devEui: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    ...importedDevice({
      devEui,
      joinEui: '70B3D57ED0000000',
      macVersion: '1.0.3',
      claimCodeHash: 'scrypt$10$8$1$c2FsdA==$aGFzaA==',
      batchId: 'batch-1',
      manufacturer: 'acme',
      outbox: [],
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
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

/** One join of `devEui` as the store records it: accepted, at second `second` of 2026, but for `overrides`. */
export function joinActivityFixture(
  devEui: string,
  eventId: string,
  second: number,
  overrides: Partial<JoinActivityRecord> = {},
): { devEui: string; activity: JoinActivityRecord } {
  return {
    devEui,
    activity: {
      eventId,
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
      accepted: true,
      resultCode: 'Success',
      errorCode: '',
      accountId: 'acc_A',
      networkServerId: 'ns_1',
      netId: '000013',
      kind: 'join-request',
      ...overrides,
    },
  };
}

/**
 * The `test` of a store contract: each test gets a fresh store from `open` and closes it afterwards, pass or fail.
 */
export const storeTest =
  (open: () => Promise<ClaimsStore>) => (title: string, fn: (store: ClaimsStore) => Promise<void>) =>
    test(title, async () => {
      const store = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });
