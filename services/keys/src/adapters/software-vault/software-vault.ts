import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  AES128Key,
  EUI64,
  joinRequestMicValid,
  keyUnwrap,
  keyWrap,
  rejoinType1MicValid,
  softwareKeyOps,
} from '@joinery/lorawan';
import { keysErrors } from '../../domain/errors.js';
import { idHex } from '../../domain/hex.js';
import type { KeyVault } from '../../domain/key-vault.js';
import { buildJoinAcceptWith, deliverKey, type VaultPrimitives } from '../../domain/vault-composition.js';
import { masterKeyBytes } from './master-key.js';
import type { VaultStorage } from './vault-storage.js';

export interface SoftwareVaultOptions {
  /** 32-byte AES-256 key sealing every record at rest (see `loadOrCreateMasterKey`). */
  readonly masterKey: Uint8Array;
  readonly storage: VaultStorage;
  /** Unsealed root-key objects kept in memory (their AES key schedules are the expensive part). */
  readonly cacheSize?: number;
}

interface RootKeys {
  readonly nwkKey: AES128Key;
  readonly appKey?: AES128Key;
}

const nonceBytes = 12;
/** A record name no record has: reading it checks that the storage answers. */
const healthProbeName = 'health:probe';
const tagBytes = 16;

/**
 * The embedded-mode KeyVault: node:crypto and libs/lorawan, every root key and KEK sealed at rest with AES-256-GCM
 * under the master key (the record name is the AAD, so a sealed record cannot be moved to another name). Nothing
 * returns a root key; session keys leave as envelopes only.
 */
export function createSoftwareVault(options: SoftwareVaultOptions): KeyVault {
  if (options.masterKey.length !== masterKeyBytes)
    throw keysErrors.invalid_master_key({ bytes: options.masterKey.length });
  const masterKey = Buffer.from(options.masterKey);
  const storage = options.storage;
  const cacheSize = options.cacheSize ?? 10_000;
  const rootCache = new Map<string, RootKeys>();
  const kekCache = new Map<string, Uint8Array>();

  const seal = (name: string, plain: Uint8Array): Uint8Array => {
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv('aes-256-gcm', masterKey, nonce);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
  };
  const unseal = (name: string, sealed: Uint8Array): Uint8Array => {
    try {
      const decipher = createDecipheriv('aes-256-gcm', masterKey, sealed.subarray(0, nonceBytes));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
      return new Uint8Array(
        Buffer.concat([
          decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes)),
          decipher.final(),
        ]),
      );
    } catch (err) {
      throw keysErrors.vault_tampered({ record: name }, undefined, err);
    }
  };

  const rootName = (devEui: Uint8Array) => `root:${idHex(devEui)}`;
  const kekName = (label: string) => `kek:${label}`;

  const remember = <V>(cache: Map<string, V>, key: string, value: V): V => {
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  };

  const root = async (devEui: Uint8Array): Promise<RootKeys> => {
    const name = rootName(devEui);
    const cached = rootCache.get(name);
    if (cached !== undefined) return cached;
    const sealed = await storage.get(name);
    if (sealed === undefined) throw keysErrors.unknown_device();
    const plain = unseal(name, sealed);
    const keys: RootKeys =
      plain.length === 32
        ? {
            nwkKey: AES128Key.fromBytes(plain.subarray(0, 16)),
            appKey: AES128Key.fromBytes(plain.subarray(16)),
          }
        : { nwkKey: AES128Key.fromBytes(plain) };
    plain.fill(0);
    return remember(rootCache, name, keys);
  };
  const kek = async (label: string): Promise<Uint8Array> => {
    const cached = kekCache.get(label);
    if (cached !== undefined) return cached;
    const sealed = await storage.get(kekName(label));
    if (sealed === undefined) throw keysErrors.unknown_kek({ label });
    return remember(kekCache, label, unseal(kekName(label), sealed));
  };
  /** The primitives in software: libs/lorawan's on `AES128Key`s, and RFC 3394 wrap under a sealed KEK. */
  const prims: VaultPrimitives<AES128Key> = {
    ...softwareKeyOps,
    wrap: async (label, key) => keyWrap(await kek(label), key),
    reveal: (key) => key.bytes(),
  };
  const putRoot = async (
    devEui: Uint8Array,
    nwkKey: Uint8Array,
    appKey: Uint8Array | undefined,
    overwrite: boolean,
  ) => {
    if (nwkKey.length !== 16 || (appKey !== undefined && appKey.length !== 16))
      throw keysErrors.malformed_request({ field: 'root_keys', reason: 'wrong_length' });
    const name = rootName(devEui);
    const plain = appKey === undefined ? Uint8Array.from(nwkKey) : Uint8Array.from([...nwkKey, ...appKey]);
    const stored = await storage.put(name, seal(name, plain), { overwrite });
    plain.fill(0);
    if (!stored) throw keysErrors.root_keys_exist();
    rootCache.delete(name);
  };

  return {
    async importRootKeys(input) {
      await putRoot(input.devEui, input.nwkKey, input.appKey, input.overwrite);
    },
    async importWrappedRootKeys(input) {
      const transport = await kek(input.transportKekLabel);
      const nwkKey = keyUnwrap(transport, input.wrappedNwkKey);
      const appKey =
        input.wrappedAppKey === undefined ? undefined : keyUnwrap(transport, input.wrappedAppKey);
      try {
        await putRoot(input.devEui, nwkKey, appKey, input.overwrite);
      } finally {
        nwkKey.fill(0);
        appKey?.fill(0);
      }
    },
    async hasRootKeys(devEui) {
      return rootCache.has(rootName(devEui)) || (await storage.get(rootName(devEui))) !== undefined;
    },
    async deleteRootKeys(devEui) {
      rootCache.delete(rootName(devEui));
      await storage.delete(rootName(devEui));
    },
    async createKek(label, kekOptions) {
      const bits = kekOptions.bits ?? 128;
      const key = kekOptions.key ?? new Uint8Array(randomBytes(bits / 8));
      if (![16, 24, 32].includes(key.length))
        throw keysErrors.malformed_request({ field: 'kek', reason: 'wrong_length' });
      if (!(await storage.put(kekName(label), seal(kekName(label), key), { overwrite: false })))
        throw keysErrors.kek_exists({ label });
      kekCache.delete(label);
      return kekOptions.purpose === 'storage' ? new Uint8Array(0) : Uint8Array.from(key);
    },
    async hasKek(label) {
      return kekCache.has(label) || (await storage.get(kekName(label))) !== undefined;
    },
    async deleteKek(label) {
      kekCache.delete(label);
      await storage.delete(kekName(label));
    },
    async verifyJoinRequestMic(devEui, _macVersion, phy) {
      // 1.0.x: AppKey (kept in the nwkKey slot for 1.0.x devices); 1.1: NwkKey. Both are `nwkKey` here.
      return joinRequestMicValid(prims, (await root(devEui)).nwkKey, phy);
    },
    async verifyRejoinType1Mic(devEui, phy) {
      return rejoinType1MicValid(prims, (await root(devEui)).nwkKey, EUI64.fromBytes(devEui), phy);
    },
    async buildJoinAccept(input) {
      return buildJoinAcceptWith(prims, () => root(input.devEui), input);
    },
    async rewrapStoredKey(label, stored, delivery) {
      return deliverKey(prims, AES128Key.fromBytes(keyUnwrap(await kek(label), stored)), delivery);
    },
    async health() {
      await storage.get(healthProbeName);
    },
    async close() {
      rootCache.clear();
      kekCache.clear();
    },
  };
}
