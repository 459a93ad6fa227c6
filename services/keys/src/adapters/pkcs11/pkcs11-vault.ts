import { EUI64, joinRequestMicValid, rejoinType1MicValid, type DerivedKeyUse } from '@joinery/lorawan';
import pkcs11js from 'pkcs11js';
import { keysErrors } from '../../domain/errors.js';
import { idHex } from '../../domain/hex.js';
import type { KeyDelivery, KeyVault } from '../../domain/key-vault.js';
import type { Logger } from '../../domain/ports.js';
import { buildJoinAcceptWith, deliverKey, type VaultPrimitives } from '../../domain/vault-composition.js';
import { cryptokiOn, type Handle } from './cryptoki.js';
import { quirksOf } from './hsm-quirks.js';
import { KekCopies } from './kek-copies.js';
import { ObjectIndex } from './object-index.js';
import { openTokenSession } from './pkcs11-module.js';
import {
  encryptDataMechanism,
  kekTemplate,
  rootKeyTemplate,
  sessionKeyTemplate,
  wrapMechanism,
} from './templates.js';

export interface Pkcs11VaultOptions {
  /** Path of the PKCS#11 module (`/usr/lib/softhsm/libsofthsm2.so`, a Luna, nShield, CloudHSM or YubiHSM library). */
  readonly module: string;
  /** The token: by slot id, or by label (the label wins when both are given). */
  readonly slot?: number;
  readonly tokenLabel?: string;
  readonly pin: string;
  /** Namespace of this Joinery's objects on the token (`CKA_LABEL` prefix); `joinery` unless set. */
  readonly labelPrefix?: string;
  readonly logger?: Logger;
  /**
   * `C_Finalize` the module when the last vault of this JavaScript realm closes (true unless set). The library's
   * state is per process, not per thread: a vault on a worker thread leaves it to the process, or it would end every
   * other thread's sessions too.
   */
  readonly finalizeOnClose?: boolean;
  /** Wrap and unwrap with session copies of the KEKs (`KekCopies`); unless set, per the module's `HsmQuirks`. */
  readonly sessionCopies?: boolean;
  /** How long a KEK's session copy is used before it is copied again from the token (1,000 ms unless set). */
  readonly sessionCopyTtlMs?: number;
}

const { CKA_VALUE, CKA_VALUE_LEN, CKA_MODIFIABLE } = pkcs11js;
/** CK_STATE of a logged-in R/W user session (PKCS#11 §5.7; pkcs11js exports no CKS_ constants). */
const CKS_RW_USER_FUNCTIONS = 3;

const isPlaintext = (delivery: KeyDelivery) => !('kekLabel' in delivery);

/**
 * The KeyVault port on a PKCS#11 HSM (SoftHSM2 in development and tests). Root keys and KEKs are token objects,
 * CKA_SENSITIVE and not CKA_EXTRACTABLE: nothing, including this adapter, can read them. This file implements the
 * primitives (`VaultPrimitives`: CMAC, derive, ECB, wrap) and the key management; the LoRaWAN composition is
 * `buildJoinAcceptWith`. Session keys are derived inside the HSM as session objects (`encryptDataMechanism`),
 * leave only through `C_WrapKey` with `CKM_AES_KEY_WRAP` under the receiver's KEK, or — only for a plaintext
 * delivery — are derived non-sensitive so their value can be read, and are destroyed after use. MICs are the full
 * `CKM_AES_CMAC` (SoftHSM2 cannot do the 4-byte general-length variant), cut to 4 bytes by the composition.
 *
 * Calls are synchronous on one logged-in R/W session: each Cryptoki call takes microseconds on SoftHSM2 and the
 * event loop serialises them anyway; `threaded-vault.ts` runs this vault on a worker thread of its own.
 */
export function openPkcs11Vault(options: Pkcs11VaultOptions): KeyVault {
  const token = openTokenSession({
    module: options.module,
    pin: options.pin,
    finalizeOnClose: options.finalizeOnClose ?? true,
    ...(options.slot === undefined ? {} : { slot: options.slot }),
    ...(options.tokenLabel === undefined ? {} : { tokenLabel: options.tokenLabel }),
  });
  const { hsm, session } = token;
  options.logger?.info({ vault: 'pkcs11', module: options.module }, 'HSM session open');
  const quirks = quirksOf(hsm.C_GetInfo().manufacturerID);
  const ck = cryptokiOn(hsm, session, quirks);
  const { call } = ck;
  const prefix = options.labelPrefix ?? 'joinery';
  const index = new ObjectIndex(ck, prefix);
  const kekCopies = new KekCopies(ck, index, {
    enabled: options.sessionCopies ?? quirks.sessionCopiesByDefault,
    ttlMs: options.sessionCopyTtlMs ?? 1000,
  });
  const rootLabel = (devEui: Uint8Array, which: 'nwk' | 'app') => `${prefix}:root:${which}:${idHex(devEui)}`;
  const kekLabel = (label: string) => `${prefix}:kek:${label}`;

  let indexed: ReturnType<ObjectIndex['indexAll']>;
  try {
    indexed = index.indexAll();
  } catch (err) {
    token.close();
    throw err;
  }
  options.logger?.info({ vault: 'pkcs11', label_prefix: prefix, ...indexed }, 'HSM objects indexed');

  const destroy = (label: string) => {
    kekCopies.drop(label);
    const handle = index.find(label);
    if (handle === undefined) return;
    call('destroy', () => hsm.C_DestroyObject(session, handle));
    index.forget(label);
  };
  const rootKey = (devEui: Uint8Array, which: 'nwk' | 'app'): Handle => {
    const handle = index.find(rootLabel(devEui, which));
    if (handle === undefined) throw keysErrors.unknown_device();
    return handle;
  };
  const kek = (label: string) => kekCopies.handle(kekLabel(label), label);

  const prims: VaultPrimitives<Handle> = {
    cmac: (key, data) =>
      call('cmac', () => {
        hsm.C_SignInit(session, { mechanism: pkcs11js.CKM_AES_CMAC }, key);
        return new Uint8Array(hsm.C_Sign(session, Buffer.from(data), Buffer.alloc(16)));
      }),
    derive: (parent, block, use: DerivedKeyUse) =>
      call('derive', () =>
        hsm.C_DeriveKey(
          session,
          encryptDataMechanism(block),
          parent,
          sessionKeyTemplate(use === 'readable-session-key'),
        ),
      ),
    ecbDecrypt: (key, data) =>
      new Uint8Array(
        call('encrypt_join_accept', () => {
          hsm.C_DecryptInit(session, { mechanism: pkcs11js.CKM_AES_ECB }, key);
          return hsm.C_Decrypt(session, Buffer.from(data), Buffer.alloc(data.length));
        }),
      ),
    dispose: (keys) => {
      for (const key of keys) call('destroy', () => hsm.C_DestroyObject(session, key));
    },
    wrap: async (label, key) =>
      new Uint8Array(
        call('wrap', () => hsm.C_WrapKey(session, wrapMechanism, kek(label), key, Buffer.alloc(40))),
      ),
    reveal: (key) =>
      new Uint8Array(
        call(
          'read_plaintext_key',
          () => hsm.C_GetAttributeValue(session, key, [{ type: CKA_VALUE }])[0]?.value as Buffer,
        ),
      ),
  };

  const putRoot = (
    devEui: Uint8Array,
    overwrite: boolean,
    create: (label: string) => Handle,
    hasApp: boolean,
  ) => {
    const nwk = rootLabel(devEui, 'nwk');
    const app = rootLabel(devEui, 'app');
    if (index.find(nwk) !== undefined) {
      if (!overwrite) throw keysErrors.root_keys_exist();
      destroy(nwk);
      destroy(app);
    }
    index.set(nwk, create(nwk));
    if (hasApp) index.set(app, create(app));
  };
  const checkLength = (key: Uint8Array | undefined) => {
    if (key !== undefined && key.length !== 16)
      throw keysErrors.malformed_request({ field: 'root_keys', reason: 'wrong_length' });
  };

  return {
    async importBatch(fn) {
      // One index for the whole batch; its counts are logged at debug level.
      return index.inBatch(fn, (counts) =>
        options.logger?.debug(counts, 'HSM objects indexed for an import batch'),
      );
    },
    async importRootKeys(input) {
      checkLength(input.nwkKey);
      checkLength(input.appKey);
      putRoot(
        input.devEui,
        input.overwrite,
        (label) =>
          call('import', () =>
            hsm.C_CreateObject(session, [
              ...rootKeyTemplate(label),
              { type: CKA_MODIFIABLE, value: false },
              {
                type: CKA_VALUE,
                value: Buffer.from(label.includes(':app:') ? (input.appKey as Uint8Array) : input.nwkKey),
              },
            ]),
          ),
        input.appKey !== undefined,
      );
    },
    async importWrappedRootKeys(input) {
      const transport = kek(input.transportKekLabel);
      putRoot(
        input.devEui,
        input.overwrite,
        (label) =>
          call('unwrap_import', () =>
            hsm.C_UnwrapKey(
              session,
              wrapMechanism,
              transport,
              Buffer.from(
                label.includes(':app:') ? (input.wrappedAppKey as Uint8Array) : input.wrappedNwkKey,
              ),
              rootKeyTemplate(label),
            ),
          ),
        input.wrappedAppKey !== undefined,
      );
    },
    async hasRootKeys(devEui) {
      return index.find(rootLabel(devEui, 'nwk')) !== undefined;
    },
    async deleteRootKeys(devEui) {
      destroy(rootLabel(devEui, 'nwk'));
      destroy(rootLabel(devEui, 'app'));
    },
    async createKek(label, kekOptions) {
      const name = kekLabel(label);
      if (index.find(name) !== undefined) throw keysErrors.kek_exists({ label });
      const bits = kekOptions.bits ?? 128;
      if (kekOptions.purpose === 'storage' && kekOptions.key === undefined) {
        // Generated inside the HSM and never readable: it only wraps session keys kept for AppSKeyReq.
        index.set(
          name,
          call('generate_kek', () =>
            hsm.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
              ...kekTemplate(name),
              { type: CKA_VALUE_LEN, value: bits / 8 },
            ]),
          ),
        );
        return new Uint8Array(0);
      }
      // A peer or transport KEK is shown once to the other party, so its value comes from the HSM's RNG first.
      const key =
        kekOptions.key ??
        new Uint8Array(call('random', () => hsm.C_GenerateRandom(session, Buffer.alloc(bits / 8))));
      if (![16, 24, 32].includes(key.length))
        throw keysErrors.malformed_request({ field: 'kek', reason: 'wrong_length' });
      index.set(
        name,
        call('import_kek', () =>
          hsm.C_CreateObject(session, [...kekTemplate(name), { type: CKA_VALUE, value: Buffer.from(key) }]),
        ),
      );
      return kekOptions.purpose === 'storage' ? new Uint8Array(0) : Uint8Array.from(key);
    },
    async hasKek(label) {
      return index.find(kekLabel(label)) !== undefined;
    },
    async deleteKek(label) {
      destroy(kekLabel(label));
    },
    async verifyJoinRequestMic(devEui, _macVersion, phy) {
      return joinRequestMicValid(prims, rootKey(devEui, 'nwk'), phy);
    },
    async verifyRejoinType1Mic(devEui, phy) {
      return rejoinType1MicValid(prims, rootKey(devEui, 'nwk'), EUI64.fromBytes(devEui), phy);
    },
    async buildJoinAccept(input) {
      return buildJoinAcceptWith(
        prims,
        async (needsAppKey) =>
          needsAppKey
            ? { nwkKey: rootKey(input.devEui, 'nwk'), appKey: rootKey(input.devEui, 'app') }
            : { nwkKey: rootKey(input.devEui, 'nwk') },
        input,
      );
    },
    async rewrapStoredKey(storageKekLabel, stored, delivery) {
      const key = call('unwrap_session_key', () =>
        hsm.C_UnwrapKey(
          session,
          wrapMechanism,
          kek(storageKekLabel),
          Buffer.from(stored),
          sessionKeyTemplate(isPlaintext(delivery), false),
        ),
      );
      try {
        return await deliverKey(prims, key, delivery);
      } finally {
        prims.dispose([key]);
      }
    },
    async health() {
      const { state } = call('session_info', () => hsm.C_GetSessionInfo(session));
      if (state !== CKS_RW_USER_FUNCTIONS)
        throw keysErrors.hsm_error({ operation: 'session_info', reason: 'not_logged_in', state });
    },
    async close() {
      index.clear();
      // Session objects end with the session.
      kekCopies.clear();
      token.close();
    },
  };
}
