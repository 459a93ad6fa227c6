import type { Client } from '@joinery/grpc';
import { KekPurpose, VaultStatus, type KeysService, type RootKeys } from '@joinery/proto/keys/v1/keys_pb';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { RootKeysSchema } from '@joinery/proto/keys/v1/keys_pb';
import { hexToBytes } from '../../domain/identifiers.js';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { DevNonceReset } from '@joinery/proto/keys/v1/keys_pb';
import type {
  DevNonceResetRecord,
  KekPurpose as DomainKekPurpose,
  KeyCustody,
  NonceState,
  OutboxBacklog,
  RootKeyImport,
} from '../../domain/ports.js';
import { macVersionToProto } from '@joinery/wire';

/** Batches larger than this go to the keys service in several calls (gRPC message size). */
const chunkSize = 2000;

function rootKeys(d: RootKeyImport): MessageInitShape<typeof RootKeysSchema> {
  const keys: MessageInitShape<typeof RootKeysSchema>['keys'] =
    d.keys.kind === 'plain'
      ? { case: 'plain', value: { nwkKey: d.keys.nwkKey, appKey: d.keys.appKey ?? new Uint8Array() } }
      : {
          case: 'wrapped',
          value: {
            transportKekLabel: d.keys.kekLabel,
            wrappedNwkKey: d.keys.wrappedNwkKey,
            wrappedAppKey: d.keys.wrappedAppKey ?? new Uint8Array(),
          },
        };
  return { devEui: hexToBytes(d.devEui), macVersion: macVersionToProto(d.macVersion), keys };
}

/**
 * KeyCustody over the keys service's gRPC API. A batch bigger than one message is sent in chunks; when a later
 * chunk fails, the devices of the earlier chunks are deleted again, so the import stays all or nothing.
 */
export class KeysServiceKeyCustody implements KeyCustody {
  constructor(
    private readonly keys: Client<typeof KeysService>,
    private readonly timeoutMs = 120_000,
  ) {}

  async importRootKeys(batch: readonly RootKeyImport[]): Promise<void> {
    const done: string[] = [];
    try {
      for (let i = 0; i < batch.length; i += chunkSize) {
        const chunk = batch.slice(i, i + chunkSize);
        await this.keys.importRootKeysBatch({ devices: chunk.map(rootKeys) }, { timeoutMs: this.timeoutMs });
        done.push(...chunk.map((d) => d.devEui));
      }
    } catch (err) {
      if (done.length > 0) await this.deleteRootKeys(done);
      throw err;
    }
  }

  async deleteRootKeys(devEuis: readonly string[]): Promise<void> {
    for (const devEui of devEuis) await this.keys.deleteRootKeys({ devEui: hexToBytes(devEui) });
  }

  async createKek(label: string, purpose: DomainKekPurpose, key?: Uint8Array): Promise<Uint8Array> {
    const r = await this.keys.createKek({
      label,
      purpose: purpose === 'peer' ? KekPurpose.PEER : KekPurpose.TRANSPORT,
      ...(key === undefined ? {} : { key }),
    });
    return r.key;
  }

  async resetDevNonces(devEui: string, actor: string, reason: string): Promise<DevNonceResetRecord> {
    const r = await this.keys.resetDevNonces({ devEui: hexToBytes(devEui), actor, reason });
    if (r.reset === undefined) throw new Error('keys answered ResetDevNonces without the reset');
    return resetRecord(r.reset);
  }

  async nonceState(devEui: string): Promise<NonceState> {
    const r = await this.keys.getNonceState({ devEui: hexToBytes(devEui) });
    return {
      joinNonce: r.joinNonce,
      lastDevNonce: r.lastDevNonce,
      devNonceHistorySize: r.devNonceHistorySize,
      sessionCount: r.sessionCount,
      resets: r.resets.map(resetRecord),
    };
  }

  async outboxBacklog(timeoutMs: number): Promise<OutboxBacklog> {
    const r = await this.keys.getOutboxBacklog({}, { timeoutMs });
    return {
      events: Number(r.events),
      oldestEventMs: r.oldestEventTime === undefined ? undefined : timestampMs(r.oldestEventTime),
      ...(r.vaultStatus === VaultStatus.SERVING
        ? { vault: 'serving' as const }
        : r.vaultStatus === VaultStatus.NOT_SERVING
          ? { vault: 'not_serving' as const }
          : {}),
    };
  }
}

function resetRecord(r: DevNonceReset): DevNonceResetRecord {
  return {
    actor: r.actor,
    reason: r.reason,
    time: r.time === undefined ? 0 : timestampMs(r.time),
    lastDevNonce: r.lastDevNonce,
    historySize: r.historySize,
  };
}

export type { RootKeys };
