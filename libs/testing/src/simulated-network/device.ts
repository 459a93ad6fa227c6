// Simulated LoRaWAN end devices with real root keys, as a manufacturer would provision them.
import { randomBytes } from 'node:crypto';
import { devNonceStyle, isLoRaWAN11, type MacVersion } from '@joinery/lorawan';

/** Upper-case hex, as Backend Interfaces messages carry bytes. */
export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
/** The bytes of a hex string. */
export const bytesOf = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

export interface SimulatedDevice {
  readonly devEui: string;
  readonly macVersion: MacVersion;
  readonly nwkKey: Uint8Array;
  readonly appKey?: Uint8Array;
  readonly claimCode: string;
  /** The next DevNonce this device will use. */
  nextDevNonce: number;
}

export function simulatedDevice(macVersion: MacVersion): SimulatedDevice {
  return {
    devEui: hexOf(randomBytes(8)),
    macVersion,
    nwkKey: new Uint8Array(randomBytes(16)),
    ...(isLoRaWAN11(macVersion) ? { appKey: new Uint8Array(randomBytes(16)) } : {}),
    claimCode: randomBytes(6).toString('hex'),
    // 1.0.0–1.0.3 devices pick DevNonces at random; 1.0.4 and 1.1 count from 0 (the version's `devNonce` fact).
    nextDevNonce: devNonceStyle(macVersion) === 'counter' ? 0 : randomBytes(2).readUInt16BE(0),
  };
}

/** The row of `POST /api/v1/device-batches` that a manufacturer would send for this device. */
export function batchRow(d: SimulatedDevice) {
  return {
    devEui: d.devEui,
    macVersion: d.macVersion,
    nwkKey: hexOf(d.nwkKey),
    ...(d.appKey === undefined ? {} : { appKey: hexOf(d.appKey) }),
    claimCode: d.claimCode,
  };
}

/** The device's row of the claims `ImportBatch` RPC (root keys as hex; the AppKey for LoRaWAN 1.1 only). */
export function importBatchRow(d: SimulatedDevice) {
  return {
    devEui: d.devEui,
    macVersion: d.macVersion,
    nwkKey: { key: { case: 'hex' as const, value: hexOf(d.nwkKey) } },
    ...(d.appKey === undefined ? {} : { appKey: { key: { case: 'hex' as const, value: hexOf(d.appKey) } } }),
    claimCode: d.claimCode,
  };
}
