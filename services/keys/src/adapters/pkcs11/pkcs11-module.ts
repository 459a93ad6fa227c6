import { createHash, timingSafeEqual } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { keysErrors } from '../../domain/errors.js';

/** The CKR_* name of a Cryptoki error, never its data. */
export const ckr = (err: unknown) =>
  /CKR_[A-Z_]+/.exec(err instanceof Error ? err.message : '')?.[0] ?? 'unknown';

/** Slot ids are native CK_ULONGs. */
const slotId = (handle: Buffer) =>
  handle.length === 8 ? Number(handle.readBigUInt64LE()) : handle.readUInt32LE();

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

function releaseModule(path: string, finalize: boolean): void {
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

export interface TokenSessionOptions {
  readonly module: string;
  readonly slot?: number;
  readonly tokenLabel?: string;
  readonly pin: string;
  /** `C_Finalize` the module when the last session of this realm closes. */
  readonly finalizeOnClose: boolean;
}

/** A logged-in R/W session on one token of a loaded module. */
export interface TokenSession {
  readonly hsm: pkcs11js.PKCS11;
  readonly session: Buffer;
  /** Closes the session and releases the module (finalised with the last one, per `finalizeOnClose`). */
  close(): void;
}

/**
 * Loads the module (once per process), finds the token by label or slot, opens a session and logs in. Login is per
 * application and token: a second session on the same token finds it logged in already, so its PIN is checked
 * against the one that logged in (by hash) rather than accepted unseen.
 */
export function openTokenSession(options: TokenSessionOptions): TokenSession {
  const hsm = acquireModule(options.module);
  const release = () => releaseModule(options.module, options.finalizeOnClose);
  let session: Buffer | undefined;
  try {
    const slot = hsm
      .C_GetSlotList(true)
      .find((s) =>
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
  const opened = session;
  return {
    hsm,
    session: opened,
    close() {
      try {
        // Closing the last session of the application on a token also ends its login (PKCS#11 §5.6).
        hsm.C_CloseSession(opened);
      } finally {
        release();
      }
    },
  };
}
