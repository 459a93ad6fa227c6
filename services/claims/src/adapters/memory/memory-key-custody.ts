import { randomBytes } from 'node:crypto';
import { JoineryError } from '@joinery/errors';
import type {
  DevNonceResetRecord,
  KekPurpose,
  KeyCustody,
  NonceState,
  RootKeyImport,
} from '../../domain/ports.js';

/**
 * A KeyCustody fake for tests: remembers which devices have root keys (never the keys' values in any output) and
 * which KEK labels exist. `failOn` makes an import fail for one DevEUI, to test all-or-nothing behaviour.
 */
export class MemoryKeyCustody implements KeyCustody {
  readonly devices = new Map<string, RootKeyImport>();
  readonly keks = new Map<string, KekPurpose>();
  failOn: string | null = null;
  /** Nonce state per device, as a test sets it up (a device not here has none yet). */
  readonly nonces = new Map<string, NonceState>();

  async importRootKeys(batch: readonly RootKeyImport[]): Promise<void> {
    for (const d of batch) {
      if (this.devices.has(d.devEui) || d.devEui === this.failOn)
        throw new JoineryError('keys:root_keys_exist', 'already_exists', 'root keys exist', {
          details: { dev_eui: d.devEui },
        });
      if (d.keys.kind === 'wrapped' && this.keks.get(d.keys.kekLabel) !== 'transport')
        throw new JoineryError('keys:unknown_kek', 'not_found', 'unknown KEK', {
          details: { label: d.keys.kekLabel },
        });
    }
    for (const d of batch) this.devices.set(d.devEui, d);
  }

  async deleteRootKeys(devEuis: readonly string[]): Promise<void> {
    for (const devEui of devEuis) this.devices.delete(devEui);
  }

  async createKek(label: string, purpose: KekPurpose, key?: Uint8Array): Promise<Uint8Array> {
    if (this.keks.has(label))
      throw new JoineryError('keys:kek_exists', 'already_exists', 'KEK exists', { details: { label } });
    this.keks.set(label, purpose);
    return key ?? Uint8Array.from(randomBytes(16));
  }

  async resetDevNonces(devEui: string, actor: string, reason: string): Promise<DevNonceResetRecord> {
    const state = await this.nonceState(devEui);
    const reset = {
      actor,
      reason,
      time: Date.now(),
      lastDevNonce: state.lastDevNonce,
      historySize: state.devNonceHistorySize,
    };
    this.nonces.set(devEui, {
      ...state,
      lastDevNonce: -1,
      devNonceHistorySize: 0,
      resets: [...state.resets, reset],
    });
    return reset;
  }

  async nonceState(devEui: string): Promise<NonceState> {
    return (
      this.nonces.get(devEui) ?? {
        joinNonce: 0,
        lastDevNonce: -1,
        devNonceHistorySize: 0,
        sessionCount: 0,
        resets: [],
      }
    );
  }
}
