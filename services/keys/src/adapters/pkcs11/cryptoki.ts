import { JoineryError } from '@joinery/errors';
import { lorawanErrors } from '@joinery/lorawan';
import type pkcs11js from 'pkcs11js';
import { keysErrors } from '../../domain/errors.js';
import type { HsmQuirks } from './hsm-quirks.js';
import { ckr } from './pkcs11-module.js';

export type Handle = Buffer;

/** A logged-in session and a way to make Cryptoki calls on it whose failures are JoineryErrors. */
export interface Cryptoki {
  readonly hsm: pkcs11js.PKCS11;
  readonly session: Handle;
  /**
   * Runs Cryptoki calls, turning their errors into JoineryErrors that name the CKR code only. An `unwrap*` call that
   * fails its integrity check gives the code the software vault gives for it (`lorawan:key_unwrap_failed`).
   */
  call<T>(what: string, fn: () => T): T;
}

export function cryptokiOn(hsm: pkcs11js.PKCS11, session: Handle, quirks: HsmQuirks): Cryptoki {
  return {
    hsm,
    session,
    call(what, fn) {
      try {
        return fn();
      } catch (err) {
        if (JoineryError.is(err)) throw err;
        if (what.startsWith('unwrap') && quirks.unwrapFailures.test(ckr(err)))
          throw lorawanErrors.key_unwrap_failed({ operation: what }, undefined, err);
        throw keysErrors.hsm_error({ operation: what, reason: ckr(err) }, undefined, err);
      }
    },
  };
}
