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
  /** Sessions for concurrent joins (the library's asynchronous calls run on libuv's threads); 4 unless set. */
  readonly sessions?: number;
  /** Namespace of this Joinery's objects on the token (`CKA_LABEL` prefix); `joinery` unless set. */
  readonly labelPrefix?: string;
  readonly logger?: Logger;
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

function releaseModule(path: string): void {
  const loaded = modules.get(path);
  if (loaded === undefined) return;
  loaded.refs -= 1;
  if (loaded.refs > 0) return;
  modules.delete(path);
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
 * Joins and AppSKeyReqs run on a pool of sessions with the library's asynchronous calls (`C_*Async`, executed on
 * libuv's threads; the library is initialised with CKF_OS_LOCKING_OK), so several proceed at once; lookups and
 * administration use a main session synchronously.
 * Object handles are cached by label (a label lookup costs ~50 ms with 1,000 keys on SoftHSM2).
 */
export function openPkcs11Vault(options: Pkcs11VaultOptions): KeyVault {
  const hsm = acquireModule(options.module);
  let session: Handle | undefined;
  let slot: Handle | undefined;
  try {
    const slots = hsm.C_GetSlotList(true);
    slot = slots.find((s) =>
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
    releaseModule(options.module);
    throw err;
  }
  options.logger?.info({ vault: 'pkcs11', module: options.module }, 'HSM session open');

  const handles = new Map<string, Handle>();
  const prefix = options.labelPrefix ?? 'joinery';
  const rootLabel = (devEui: Uint8Array, which: 'nwk' | 'app') => `${prefix}:root:${which}:${idHex(devEui)}`;
  const kekLabel = (label: string) => `${prefix}:kek:${label}`;

  /** A Cryptoki failure as a JoineryError naming the CKR code only. */
  const toError = (what: string, err: unknown): Error => {
    if (JoineryError.is(err)) return err;
    // The same code the software vault gives for a wrapped key that does not unwrap (RFC 3394 integrity check);
    // SoftHSM2 reports that case as CKR_GENERAL_ERROR.
    if (
      what.startsWith('unwrap') &&
      /CKR_(WRAPPED_KEY_INVALID|WRAPPED_KEY_LEN_RANGE|ENCRYPTED_DATA_INVALID|ENCRYPTED_DATA_LEN_RANGE|GENERAL_ERROR)/.test(
        ckr(err),
      )
    )
      return lorawanErrors.key_unwrap_failed({ operation: what }, undefined, err);
    return keysErrors.hsm_error({ operation: what, reason: ckr(err) }, undefined, err);
  };
  const call = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw toError(what, err);
    }
  };
  const callAsync = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toError(what, err);
    }
  };

  // The hot path (joins, AppSKeyReq) runs on a pool of sessions with the library's asynchronous calls, so HSM work
  // proceeds on libuv's threads while other joins go on; a flow holds its session from start to end (an operation
  // begun with C_*Init belongs to its session). Lookups and administration use the main session synchronously.
  const pool: Handle[] = [];
  try {
    for (let i = 0; i < (options.sessions ?? 4); i++)
      pool.push(hsm.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION));
  } catch (err) {
    for (const s of [session, ...pool]) hsm.C_CloseSession(s);
    releaseModule(options.module);
    throw keysErrors.hsm_error({ operation: 'open_session', reason: ckr(err) }, undefined, err);
  }
  const idle = [...pool];
  const waiting: ((s: Handle) => void)[] = [];
  const withSession = async <T>(fn: (s: Handle) => Promise<T>): Promise<T> => {
    const s = idle.pop() ?? (await new Promise<Handle>((resolve) => waiting.push(resolve)));
    try {
      return await fn(s);
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next(s);
      else idle.push(s);
    }
  };

  const find = (label: string): Handle | undefined => {
    const cached = handles.get(label);
    if (cached !== undefined) return cached;
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
  const destroy = (label: string) => {
    const handle = find(label);
    if (handle === undefined) return;
    call('destroy', () => hsm.C_DestroyObject(session, handle));
    handles.delete(label);
  };
  const rootKey = (devEui: Uint8Array, which: 'nwk' | 'app'): Handle => {
    const handle = find(rootLabel(devEui, which));
    if (handle === undefined) throw keysErrors.unknown_device();
    return handle;
  };
  const kekHandle = (label: string): Handle => {
    const handle = find(kekLabel(label));
    if (handle === undefined) throw keysErrors.unknown_kek({ label });
    return handle;
  };

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

  const derive = (s: Handle, parent: Handle, block: Uint8Array, readable = false): Promise<Handle> =>
    callAsync('derive', () =>
      hsm.C_DeriveKeyAsync(s, encryptDataMechanism(block), parent, sessionKeyTemplate(readable)),
    );
  const cmac4 = (s: Handle, key: Handle, data: Uint8Array): Promise<Buffer> =>
    callAsync('cmac', async () => {
      hsm.C_SignInit(s, { mechanism: pkcs11js.CKM_AES_CMAC }, key);
      return (await hsm.C_SignAsync(s, Buffer.from(data), Buffer.alloc(16))).subarray(0, 4);
    });
  const ecbDecrypt = (s: Handle, key: Handle, data: Uint8Array): Promise<Buffer> =>
    callAsync('encrypt_join_accept', async () => {
      hsm.C_DecryptInit(s, { mechanism: pkcs11js.CKM_AES_ECB }, key);
      return hsm.C_DecryptAsync(s, Buffer.from(data), Buffer.alloc(data.length));
    });
  const dispose = (s: Handle, keys: readonly Handle[]) => {
    for (const key of keys) call('destroy', () => hsm.C_DestroyObject(s, key));
  };
  const wrap = async (s: Handle, kekLabelName: string, key: Handle): Promise<Uint8Array> =>
    new Uint8Array(
      await callAsync('wrap', () =>
        hsm.C_WrapKeyAsync(s, wrapMechanism, kekHandle(kekLabelName), key, Buffer.alloc(40)),
      ),
    );
  const valueOf = (s: Handle, key: Handle): Uint8Array =>
    new Uint8Array(
      call(
        'read_plaintext_key',
        () => hsm.C_GetAttributeValue(s, key, [{ type: CKA_VALUE }])[0]?.value as Buffer,
      ),
    );
  const deliver = async (s: Handle, key: Handle, delivery: KeyDelivery): Promise<KeyEnvelope> =>
    'kekLabel' in delivery
      ? { kekLabel: delivery.kekLabel, key: await wrap(s, delivery.kekLabel, key) }
      : { key: valueOf(s, key) };
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
      const nwkKey = rootKey(devEui, 'nwk');
      const mic = await withSession((s) => cmac4(s, nwkKey, phy.subarray(0, phy.length - 4)));
      return timingSafeEqual(mic, Buffer.from(request.mic));
    },
    async verifyRejoinType1Mic(devEui, phy) {
      const request = decodeRejoinRequest(phy);
      const nwkKey = rootKey(devEui, 'nwk');
      return withSession(async (s) => {
        const jsIntKey = await derive(s, nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, EUI64.fromBytes(devEui)));
        try {
          return timingSafeEqual(
            await cmac4(s, jsIntKey, phy.subarray(0, phy.length - 4)),
            Buffer.from(request.mic),
          );
        } finally {
          dispose(s, [jsIntKey]);
        }
      });
    },
    async buildJoinAccept(input: JoinAcceptInput): Promise<JoinAcceptOutput> {
      const nwkKey = rootKey(input.devEui, 'nwk');
      const optNeg = input.macVersion === '1.1' && input.optNeg;
      const appKey = optNeg ? rootKey(input.devEui, 'app') : undefined;
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
      const nwkPlain = plaintext(input.nwkKeyDelivery);
      const appPlain = plaintext(input.appSKeyDelivery);
      return withSession(async (s) => {
        const created: Handle[] = [];
        const keep = async (h: Promise<Handle>) => {
          const handle = await h;
          created.push(handle);
          return handle;
        };
        try {
          let phy: Uint8Array;
          let network: Pick<JoinAcceptOutput, 'nwkSKey' | 'fNwkSIntKey' | 'sNwkSIntKey' | 'nwkSEncKey'>;
          let appSKey: Handle;
          if (appKey === undefined) {
            const mic = await cmac4(s, nwkKey, joinAcceptMicInput10(fields));
            phy = encodeJoinAcceptPhy(await ecbDecrypt(s, nwkKey, joinAcceptPlaintext(fields, mic)));
            const block = (prefix: 0x01 | 0x02) =>
              sessionKeyBlock10(prefix, fields.joinNonce, fields.netId, devNonce);
            const nwkSKey = await keep(derive(s, nwkKey, block(KeyPrefix.nwkSKey), nwkPlain));
            appSKey = await keep(derive(s, nwkKey, block(KeyPrefix.appSKey), appPlain));
            network = { nwkSKey: await deliver(s, nwkSKey, input.nwkKeyDelivery) };
          } else {
            const devEui = EUI64.fromBytes(input.devEui);
            const jsIntKey = await keep(derive(s, nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, devEui)));
            const mic = await cmac4(
              s,
              jsIntKey,
              joinAcceptMicInput11(joinReqType, joinEui, devNonce, fields),
            );
            const encKey =
              joinReqType === JoinReqType.joinRequest
                ? nwkKey
                : await keep(derive(s, nwkKey, jsKeyBlock(KeyPrefix.jsEncKey, devEui)));
            phy = encodeJoinAcceptPhy(await ecbDecrypt(s, encKey, joinAcceptPlaintext(fields, mic)));
            const block = (prefix: 0x01 | 0x02 | 0x03 | 0x04) =>
              sessionKeyBlock11(prefix, fields.joinNonce, joinEui, devNonce);
            const fNwkSIntKey = await keep(derive(s, nwkKey, block(KeyPrefix.fNwkSIntKey), nwkPlain));
            const sNwkSIntKey = await keep(derive(s, nwkKey, block(KeyPrefix.sNwkSIntKey), nwkPlain));
            const nwkSEncKey = await keep(derive(s, nwkKey, block(KeyPrefix.nwkSEncKey), nwkPlain));
            appSKey = await keep(derive(s, appKey, block(KeyPrefix.appSKey), appPlain));
            network = {
              fNwkSIntKey: await deliver(s, fNwkSIntKey, input.nwkKeyDelivery),
              sNwkSIntKey: await deliver(s, sNwkSIntKey, input.nwkKeyDelivery),
              nwkSEncKey: await deliver(s, nwkSEncKey, input.nwkKeyDelivery),
            };
          }
          return {
            joinAcceptPhy: phy,
            ...network,
            ...(input.appSKeyDelivery === undefined
              ? {}
              : { appSKey: await deliver(s, appSKey, input.appSKeyDelivery) }),
            storedAppSKey: await wrap(s, input.storageKekLabel, appSKey),
          };
        } finally {
          dispose(s, created);
        }
      });
    },
    async rewrapStoredKey(storageKekLabel, stored, delivery) {
      const storage = kekHandle(storageKekLabel);
      return withSession(async (s) => {
        const key = await callAsync('unwrap_session_key', () =>
          hsm.C_UnwrapKeyAsync(
            s,
            wrapMechanism,
            storage,
            Buffer.from(stored),
            sessionKeyTemplate(plaintext(delivery), false),
          ),
        );
        try {
          return await deliver(s, key, delivery);
        } finally {
          dispose(s, [key]);
        }
      });
    },
    async close() {
      handles.clear();
      try {
        // Closing the last session of the application on a token also ends its login (PKCS#11 §5.6).
        for (const s of pool) hsm.C_CloseSession(s);
        hsm.C_CloseSession(session);
      } finally {
        releaseModule(options.module);
      }
    },
  };
}
