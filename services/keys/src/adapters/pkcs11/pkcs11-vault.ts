import { createHash, timingSafeEqual } from 'node:crypto';
import {
  DevAddr,
  DevNonce,
  EUI64,
  JoinNonce,
  JoinReqType,
  KeyPrefix,
  NetID,
  decodeJoinRequest,
  decodeRejoinRequest,
  encodeJoinAcceptPhy,
  joinAcceptMicInput10,
  joinAcceptMicInput11,
  joinAcceptPlaintext,
  jsKeyBlock,
  lorawanErrors,
  sessionKeyBlock10,
  sessionKeyBlock11,
  type JoinAcceptFields,
} from '@joinery/lorawan';
import { JoineryError } from '@joinery/errors';
import pkcs11js from 'pkcs11js';
import { keysErrors } from '../../domain/errors.js';
import { idHex } from '../../domain/hex.js';
import type {
  JoinAcceptInput,
  JoinAcceptOutput,
  KeyDelivery,
  KeyEnvelope,
  KeyVault,
} from '../../domain/key-vault.js';
import type { Logger } from '../../domain/ports.js';

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
  /**
   * Wrap and unwrap with session-object copies of the KEKs (`C_CopyObject` with `CKA_TOKEN` false). A copy keeps
   * `CKA_SENSITIVE` and `CKA_EXTRACTABLE` false (PKCS#11 forbids loosening them in a copy) and never leaves the HSM.
   * Unless set: on for SoftHSM2, which re-reads a token object's file (open, lock, read, close) on every use, and off
   * for other modules. A copy is made again from the token object after `sessionCopyTtlMs`, and at once when this
   * vault deletes or rotates the KEK, so a KEK another process replaced on the same token is used from an old copy
   * for at most that long. Root keys are not copied: they are created with `CKA_MODIFIABLE` false, and SoftHSM2
   * refuses a copy of such an object with any template.
   */
  readonly sessionCopies?: boolean;
  /** How long a KEK's session copy is used before it is copied again from the token (1,000 ms unless set). */
  readonly sessionCopyTtlMs?: number;
}

type Handle = Buffer;

const joinReqTypes = {
  join: JoinReqType.joinRequest,
  rejoin0: JoinReqType.rejoin0,
  rejoin1: JoinReqType.rejoin1,
  rejoin2: JoinReqType.rejoin2,
} as const;

const { CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_LABEL, CKA_VALUE, CKA_VALUE_LEN } = pkcs11js;
const {
  CKA_SENSITIVE,
  CKA_EXTRACTABLE,
  CKA_ENCRYPT,
  CKA_DECRYPT,
  CKA_SIGN,
  CKA_WRAP,
  CKA_UNWRAP,
  CKA_DERIVE,
} = pkcs11js;
const { CKA_PRIVATE, CKA_MODIFIABLE } = pkcs11js;
const secretAes = [
  { type: CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
];
const zeroIv = Buffer.alloc(16);
const wrapMechanism = { mechanism: pkcs11js.CKM_AES_KEY_WRAP };

/** A key the HSM derives as AES-ECB-encrypt(parent, block): CBC with a zero IV over one block is the same thing. */
const encryptDataMechanism = (block: Uint8Array) => ({
  mechanism: pkcs11js.CKM_AES_CBC_ENCRYPT_DATA,
  parameter: { type: pkcs11js.CK_PARAMS_AES_CBC, iv: zeroIv, data: Buffer.from(block) },
});

/** Slot ids are native CK_ULONGs. */
const slotId = (handle: Buffer) =>
  handle.length === 8 ? Number(handle.readBigUInt64LE()) : handle.readUInt32LE();

/** The CKR_* name of a Cryptoki error, never its data. */
const ckr = (err: unknown) => /CKR_[A-Z_]+/.exec(err instanceof Error ? err.message : '')?.[0] ?? 'unknown';

/** One initialised library per module path for the whole process: Cryptoki is initialised once per application. */
const modules = new Map<string, { hsm: pkcs11js.PKCS11; refs: number; pins: Map<number, Buffer> }>();

function acquireModule(path: string): pkcs11js.PKCS11 {
  const loaded = modules.get(path);
  if (loaded !== undefined) {
    loaded.refs += 1;
    return loaded.hsm;
  }
  const hsm = new pkcs11js.PKCS11();
  try {
    hsm.load(path);
    try {
      hsm.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (err) {
      if (ckr(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw err;
    }
  } catch (err) {
    throw keysErrors.hsm_unavailable({ module: path, reason: ckr(err) }, undefined, err);
  }
  modules.set(path, { hsm, refs: 1, pins: new Map() });
  return hsm;
}

function releaseModule(path: string, finalize = true): void {
  const loaded = modules.get(path);
  if (loaded === undefined) return;
  loaded.refs -= 1;
  if (loaded.refs > 0) return;
  modules.delete(path);
  if (!finalize) return;
  try {
    loaded.hsm.C_Finalize();
  } catch {
    // Already finalised: nothing left to release.
  }
}

/**
 * The KeyVault port on a PKCS#11 HSM (SoftHSM2 in development and tests). Root keys and KEKs are token objects,
 * CKA_SENSITIVE and not CKA_EXTRACTABLE: nothing, including this adapter, can read them. Session keys are derived
 * inside the HSM as session objects (`CKM_AES_CBC_ENCRYPT_DATA` with a zero IV over one block, which is
 * AES-ECB-encrypt; stock pkcs11js cannot pass the parameter of `CKM_AES_ECB_ENCRYPT_DATA`), leave only through
 * `C_WrapKey` with `CKM_AES_KEY_WRAP` under the receiver's KEK, or — only for a plaintext delivery — are derived
 * non-sensitive so their value can be read, and are destroyed after use. MICs are the full `CKM_AES_CMAC`
 * (SoftHSM2 cannot do the 4-byte general-length variant) cut to 4 bytes and compared in constant time.
 *
 * Calls are synchronous on one logged-in R/W session: each Cryptoki call takes microseconds on SoftHSM2 and
 * the event loop serialises them anyway; a network HSM would want the library's `*Async` calls on a session pool.
 * Object handles are cached by label (a label lookup costs ~50 ms with 1,000 keys on SoftHSM2); the cache is filled
 * with all of this prefix's objects in one search when the vault opens.
 */
export function openPkcs11Vault(options: Pkcs11VaultOptions): KeyVault {
  const hsm = acquireModule(options.module);
  const release = () => releaseModule(options.module, options.finalizeOnClose ?? true);
  let session: Handle | undefined;
  try {
    const slots = hsm.C_GetSlotList(true);
    const slot = slots.find((s) =>
      options.tokenLabel !== undefined
        ? hsm.C_GetTokenInfo(s).label.trim() === options.tokenLabel
        : slotId(s) === options.slot,
    );
    if (slot === undefined)
      throw keysErrors.hsm_token_not_found({
        ...(options.tokenLabel === undefined ? {} : { token_label: options.tokenLabel }),
        ...(options.slot === undefined ? {} : { slot: options.slot }),
      });
    session = hsm.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    // Login is per application and token: a second vault on the same token finds it logged in already, so its
    // PIN is checked against the one that logged in (by hash) rather than accepted unseen.
    const pins = modules.get(options.module)?.pins ?? new Map<number, Buffer>();
    const pinHash = createHash('sha256').update(options.pin).digest();
    try {
      hsm.C_Login(session, pkcs11js.CKU_USER, options.pin);
      pins.set(slotId(slot), pinHash);
    } catch (err) {
      const known = pins.get(slotId(slot));
      if (
        ckr(err) !== 'CKR_USER_ALREADY_LOGGED_IN' ||
        (known !== undefined && !timingSafeEqual(known, pinHash))
      )
        throw keysErrors.hsm_login_failed(
          { reason: ckr(err) === 'CKR_USER_ALREADY_LOGGED_IN' ? 'CKR_PIN_INCORRECT' : ckr(err) },
          undefined,
          err,
        );
    }
  } catch (err) {
    if (session !== undefined) hsm.C_CloseSession(session);
    release();
    throw err;
  }
  options.logger?.info({ vault: 'pkcs11', module: options.module }, 'HSM session open');

  const handles = new Map<string, Handle>();
  const sessionCopies =
    options.sessionCopies ?? hsm.C_GetInfo().manufacturerID.trim().toLowerCase().startsWith('softhsm');
  const sessionCopyTtlMs = options.sessionCopyTtlMs ?? 1000;
  /** KEK label → its session copy and when it was made (see `sessionCopies`). */
  const kekCopies = new Map<string, { handle: Handle; madeAt: number }>();
  const prefix = options.labelPrefix ?? 'joinery';
  const rootLabel = (devEui: Uint8Array, which: 'nwk' | 'app') => `${prefix}:root:${which}:${idHex(devEui)}`;
  const kekLabel = (label: string) => `${prefix}:kek:${label}`;

  /** Runs Cryptoki calls, turning their errors into JoineryErrors that name the CKR code only. */
  const call = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (JoineryError.is(err)) throw err;
      // The same code the software vault gives for a wrapped key that does not unwrap (RFC 3394 integrity check);
      // SoftHSM2 reports that case as CKR_GENERAL_ERROR.
      const unwrapping = what.startsWith('unwrap');
      if (
        unwrapping &&
        /CKR_(WRAPPED_KEY_INVALID|WRAPPED_KEY_LEN_RANGE|ENCRYPTED_DATA_INVALID|ENCRYPTED_DATA_LEN_RANGE|GENERAL_ERROR)/.test(
          ckr(err),
        )
      )
        throw lorawanErrors.key_unwrap_failed({ operation: what }, undefined, err);
      throw keysErrors.hsm_error({ operation: what, reason: ckr(err) }, undefined, err);
    }
  };
  /** Nesting depth of `importBatch`: while above 0 the index is trusted and a label it lacks is absent. */
  let batchDepth = 0;
  const find = (label: string): Handle | undefined => {
    const cached = handles.get(label);
    if (cached !== undefined || batchDepth > 0) return cached;
    const found = call('find', () => {
      hsm.C_FindObjectsInit(session, [
        ...secretAes,
        { type: CKA_LABEL, value: label },
        { type: CKA_TOKEN, value: true },
      ]);
      try {
        return hsm.C_FindObjects(session, 1)[0];
      } finally {
        hsm.C_FindObjectsFinal(session);
      }
    });
    if (found !== undefined) handles.set(label, found);
    return found;
  };
  /**
   * Fills the handle cache with every object of this prefix on the token, in one search, so that no join after a
   * restart pays for a label search (a linear scan of the token on SoftHSM2: ~50 µs per object, seconds per device
   * on a token of 100,000 devices). Objects another process creates later are still found by label on first use,
   * except during `importBatch`, which indexes again and then trusts the index.
   */
  const indexObjects = () =>
    call('index', () => {
      const started = performance.now();
      handles.clear();
      const all: Handle[] = [];
      hsm.C_FindObjectsInit(session, [...secretAes, { type: CKA_TOKEN, value: true }]);
      try {
        for (
          let batch = hsm.C_FindObjects(session, 1000);
          batch.length > 0;
          batch = hsm.C_FindObjects(session, 1000)
        )
          all.push(...batch);
      } finally {
        hsm.C_FindObjectsFinal(session);
      }
      const counts = { root_keys: 0, keks: 0 };
      for (const handle of all) {
        const label = hsm
          .C_GetAttributeValue(session, handle, [{ type: CKA_LABEL }])[0]
          ?.value?.toString('utf8');
        if (label === undefined || !label.startsWith(`${prefix}:`)) continue;
        handles.set(label, handle);
        if (label.startsWith(`${prefix}:root:`)) counts.root_keys++;
        else if (label.startsWith(`${prefix}:kek:`)) counts.keks++;
      }
      return { ...counts, token_objects: all.length, ms: Math.round(performance.now() - started) };
    });
  const dropCopy = (label: string) => {
    const copy = kekCopies.get(label);
    if (copy === undefined) return;
    kekCopies.delete(label);
    call('destroy', () => hsm.C_DestroyObject(session, copy.handle));
  };
  const destroy = (label: string) => {
    dropCopy(label);
    const handle = find(label);
    if (handle === undefined) return;
    call('destroy', () => hsm.C_DestroyObject(session, handle));
    handles.delete(label);
  };
  /** A session object with the same value and attributes as the token object `handle`. */
  const sessionCopy = (handle: Handle): Handle =>
    call('copy', () => hsm.C_CopyObject(session, handle, [{ type: CKA_TOKEN, value: false }]));
  const rootKey = (devEui: Uint8Array, which: 'nwk' | 'app'): Handle => {
    const handle = find(rootLabel(devEui, which));
    if (handle === undefined) throw keysErrors.unknown_device();
    return handle;
  };
  const kekHandle = (label: string): Handle => {
    const name = kekLabel(label);
    const copy = kekCopies.get(name);
    if (copy !== undefined && performance.now() - copy.madeAt < sessionCopyTtlMs) return copy.handle;
    const handle = find(name);
    if (handle === undefined) throw keysErrors.unknown_kek({ label });
    if (!sessionCopies) return handle;
    dropCopy(name);
    let made: Handle;
    try {
      made = sessionCopy(handle);
    } catch (err) {
      // Another process may have replaced the token object since it was found: look the label up once more.
      handles.delete(name);
      const again = find(name);
      if (again === undefined) throw keysErrors.unknown_kek({ label });
      if (again.equals(handle)) throw err;
      made = sessionCopy(again);
    }
    kekCopies.set(name, { handle: made, madeAt: performance.now() });
    return made;
  };

  let indexed: ReturnType<typeof indexObjects>;
  try {
    indexed = indexObjects();
  } catch (err) {
    hsm.C_CloseSession(session);
    release();
    throw err;
  }
  options.logger?.info({ vault: 'pkcs11', label_prefix: prefix, ...indexed }, 'HSM objects indexed');

  /** Root keys: token, private, sensitive, never extractable, not modifiable; usable to derive, MIC and encrypt. */
  const rootTemplate = (label: string) => [
    ...secretAes,
    { type: CKA_TOKEN, value: true },
    { type: CKA_PRIVATE, value: true },
    { type: CKA_LABEL, value: label },
    { type: CKA_SENSITIVE, value: true },
    { type: CKA_EXTRACTABLE, value: false },
    { type: CKA_DERIVE, value: true },
    { type: CKA_SIGN, value: true },
    { type: CKA_ENCRYPT, value: true },
    { type: CKA_DECRYPT, value: true },
  ];
  const kekTemplate = (label: string) => [
    ...secretAes,
    { type: CKA_TOKEN, value: true },
    { type: CKA_PRIVATE, value: true },
    { type: CKA_LABEL, value: label },
    { type: CKA_SENSITIVE, value: true },
    { type: CKA_EXTRACTABLE, value: false },
    { type: CKA_WRAP, value: true },
    { type: CKA_UNWRAP, value: true },
  ];
  /** Session keys: session objects; sensitive unless their value must be read for a plaintext delivery. */
  const sessionKeyTemplate = (readable: boolean, withLength = true) => [
    ...secretAes,
    // C_DeriveKey needs the length; C_UnwrapKey takes it from the unwrapped value and refuses it in the template.
    ...(withLength ? [{ type: CKA_VALUE_LEN, value: 16 }] : []),
    { type: CKA_TOKEN, value: false },
    { type: CKA_SENSITIVE, value: !readable },
    { type: CKA_EXTRACTABLE, value: true },
    { type: CKA_SIGN, value: true },
    { type: CKA_ENCRYPT, value: true },
    { type: CKA_DECRYPT, value: true },
  ];

  const derive = (parent: Handle, block: Uint8Array, readable = false): Handle =>
    call('derive', () =>
      hsm.C_DeriveKey(session, encryptDataMechanism(block), parent, sessionKeyTemplate(readable)),
    );
  const cmac4 = (key: Handle, data: Uint8Array): Buffer =>
    call('cmac', () => {
      hsm.C_SignInit(session, { mechanism: pkcs11js.CKM_AES_CMAC }, key);
      return hsm.C_Sign(session, Buffer.from(data), Buffer.alloc(16)).subarray(0, 4);
    });
  const ecbDecrypt = (key: Handle, data: Uint8Array): Buffer =>
    call('encrypt_join_accept', () => {
      hsm.C_DecryptInit(session, { mechanism: pkcs11js.CKM_AES_ECB }, key);
      return hsm.C_Decrypt(session, Buffer.from(data), Buffer.alloc(data.length));
    });
  const dispose = (...keys: (Handle | undefined)[]) => {
    for (const key of keys) if (key !== undefined) call('destroy', () => hsm.C_DestroyObject(session, key));
  };
  const wrap = (kekLabelName: string, key: Handle): Uint8Array =>
    new Uint8Array(
      call('wrap', () =>
        hsm.C_WrapKey(session, wrapMechanism, kekHandle(kekLabelName), key, Buffer.alloc(40)),
      ),
    );
  const valueOf = (key: Handle): Uint8Array =>
    new Uint8Array(
      call(
        'read_plaintext_key',
        () => hsm.C_GetAttributeValue(session, key, [{ type: CKA_VALUE }])[0]?.value as Buffer,
      ),
    );
  const deliver = (key: Handle, delivery: KeyDelivery): KeyEnvelope =>
    'kekLabel' in delivery
      ? { kekLabel: delivery.kekLabel, key: wrap(delivery.kekLabel, key) }
      : { key: valueOf(key) };
  const plaintext = (delivery: KeyDelivery | undefined) =>
    delivery !== undefined && !('kekLabel' in delivery);

  const putRoot = (
    devEui: Uint8Array,
    overwrite: boolean,
    create: (label: string) => Handle,
    hasApp: boolean,
  ) => {
    const nwk = rootLabel(devEui, 'nwk');
    const app = rootLabel(devEui, 'app');
    if (find(nwk) !== undefined) {
      if (!overwrite) throw keysErrors.root_keys_exist();
      destroy(nwk);
      destroy(app);
    }
    handles.set(nwk, create(nwk));
    if (hasApp) handles.set(app, create(app));
  };
  const checkLength = (key: Uint8Array | undefined) => {
    if (key !== undefined && key.length !== 16)
      throw keysErrors.malformed_request({ field: 'root_keys', reason: 'wrong_length' });
  };

  return {
    async importBatch(fn) {
      if (batchDepth === 0) {
        // One index for the whole batch; its counts are logged at debug level.
        const indexed = indexObjects();
        options.logger?.debug(indexed, 'HSM objects indexed for an import batch');
      }
      batchDepth++;
      try {
        return await fn();
      } finally {
        batchDepth--;
      }
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
              ...rootTemplate(label),
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
      const transport = kekHandle(input.transportKekLabel);
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
              rootTemplate(label),
            ),
          ),
        input.wrappedAppKey !== undefined,
      );
    },
    async hasRootKeys(devEui) {
      return find(rootLabel(devEui, 'nwk')) !== undefined;
    },
    async deleteRootKeys(devEui) {
      destroy(rootLabel(devEui, 'nwk'));
      destroy(rootLabel(devEui, 'app'));
    },
    async createKek(label, kekOptions) {
      const name = kekLabel(label);
      if (find(name) !== undefined) throw keysErrors.kek_exists({ label });
      const bits = kekOptions.bits ?? 128;
      if (kekOptions.purpose === 'storage' && kekOptions.key === undefined) {
        // Generated inside the HSM and never readable: it only wraps session keys kept for AppSKeyReq.
        handles.set(
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
      handles.set(
        name,
        call('import_kek', () =>
          hsm.C_CreateObject(session, [...kekTemplate(name), { type: CKA_VALUE, value: Buffer.from(key) }]),
        ),
      );
      return kekOptions.purpose === 'storage' ? new Uint8Array(0) : Uint8Array.from(key);
    },
    async hasKek(label) {
      return find(kekLabel(label)) !== undefined;
    },
    async deleteKek(label) {
      destroy(kekLabel(label));
    },
    async verifyJoinRequestMic(devEui, _macVersion, phy) {
      const request = decodeJoinRequest(phy);
      const mic = cmac4(rootKey(devEui, 'nwk'), phy.subarray(0, phy.length - 4));
      return timingSafeEqual(mic, Buffer.from(request.mic));
    },
    async verifyRejoinType1Mic(devEui, phy) {
      const request = decodeRejoinRequest(phy);
      const jsIntKey = derive(
        rootKey(devEui, 'nwk'),
        jsKeyBlock(KeyPrefix.jsIntKey, EUI64.fromBytes(devEui)),
      );
      try {
        return timingSafeEqual(cmac4(jsIntKey, phy.subarray(0, phy.length - 4)), Buffer.from(request.mic));
      } finally {
        dispose(jsIntKey);
      }
    },
    async buildJoinAccept(input: JoinAcceptInput): Promise<JoinAcceptOutput> {
      const nwkKey = rootKey(input.devEui, 'nwk');
      const optNeg = input.macVersion === '1.1' && input.optNeg;
      const joinReqType = joinReqTypes[input.joinType];
      const fields: JoinAcceptFields = {
        joinNonce: JoinNonce.of(input.joinNonce),
        netId: NetID.fromBytes(input.netId),
        devAddr: DevAddr.fromBytes(input.devAddr),
        dlSettings: optNeg ? input.dlSettings | 0x80 : input.dlSettings & 0x7f,
        rxDelay: input.rxDelay,
        ...(input.cfList === undefined ? {} : { cfList: input.cfList }),
      };
      const devNonce = DevNonce.of(input.devNonce);
      const joinEui = EUI64.fromBytes(input.joinEui);
      const created: Handle[] = [];
      const keep = (h: Handle) => (created.push(h), h);
      try {
        let phy: Uint8Array;
        let network: Pick<JoinAcceptOutput, 'nwkSKey' | 'fNwkSIntKey' | 'sNwkSIntKey' | 'nwkSEncKey'>;
        let appSKey: Handle;
        const nwkPlain = plaintext(input.nwkKeyDelivery);
        const appPlain = plaintext(input.appSKeyDelivery);
        if (!optNeg) {
          const mic = cmac4(nwkKey, joinAcceptMicInput10(fields));
          phy = encodeJoinAcceptPhy(ecbDecrypt(nwkKey, joinAcceptPlaintext(fields, mic)));
          const nwkSKey = keep(
            derive(
              nwkKey,
              sessionKeyBlock10(KeyPrefix.nwkSKey, fields.joinNonce, fields.netId, devNonce),
              nwkPlain,
            ),
          );
          appSKey = keep(
            derive(
              nwkKey,
              sessionKeyBlock10(KeyPrefix.appSKey, fields.joinNonce, fields.netId, devNonce),
              appPlain,
            ),
          );
          network = { nwkSKey: deliver(nwkSKey, input.nwkKeyDelivery) };
        } else {
          const appKey = rootKey(input.devEui, 'app');
          const devEui = EUI64.fromBytes(input.devEui);
          const jsIntKey = keep(derive(nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, devEui)));
          const mic = cmac4(jsIntKey, joinAcceptMicInput11(joinReqType, joinEui, devNonce, fields));
          const encKey =
            joinReqType === JoinReqType.joinRequest
              ? nwkKey
              : keep(derive(nwkKey, jsKeyBlock(KeyPrefix.jsEncKey, devEui)));
          phy = encodeJoinAcceptPhy(ecbDecrypt(encKey, joinAcceptPlaintext(fields, mic)));
          const block = (prefix: 0x01 | 0x02 | 0x03 | 0x04) =>
            sessionKeyBlock11(prefix, fields.joinNonce, joinEui, devNonce);
          const fNwkSIntKey = keep(derive(nwkKey, block(KeyPrefix.fNwkSIntKey), nwkPlain));
          const sNwkSIntKey = keep(derive(nwkKey, block(KeyPrefix.sNwkSIntKey), nwkPlain));
          const nwkSEncKey = keep(derive(nwkKey, block(KeyPrefix.nwkSEncKey), nwkPlain));
          appSKey = keep(derive(appKey, block(KeyPrefix.appSKey), appPlain));
          network = {
            fNwkSIntKey: deliver(fNwkSIntKey, input.nwkKeyDelivery),
            sNwkSIntKey: deliver(sNwkSIntKey, input.nwkKeyDelivery),
            nwkSEncKey: deliver(nwkSEncKey, input.nwkKeyDelivery),
          };
        }
        return {
          joinAcceptPhy: phy,
          ...network,
          ...(input.appSKeyDelivery === undefined
            ? {}
            : { appSKey: deliver(appSKey, input.appSKeyDelivery) }),
          storedAppSKey: wrap(input.storageKekLabel, appSKey),
        };
      } finally {
        dispose(...created);
      }
    },
    async rewrapStoredKey(storageKekLabel, stored, delivery) {
      const key = call('unwrap_session_key', () =>
        hsm.C_UnwrapKey(
          session,
          wrapMechanism,
          kekHandle(storageKekLabel),
          Buffer.from(stored),
          sessionKeyTemplate(plaintext(delivery), false),
        ),
      );
      try {
        return deliver(key, delivery);
      } finally {
        dispose(key);
      }
    },
    async close() {
      handles.clear();
      // Session objects end with the session.
      kekCopies.clear();
      try {
        // Closing the last session of the application on a token also ends its login (PKCS#11 §5.6).
        hsm.C_CloseSession(session);
      } finally {
        release();
      }
    },
  };
}
