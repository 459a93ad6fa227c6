import pkcs11js from 'pkcs11js';
import { keysErrors } from '../../domain/errors.js';
import type { Cryptoki, Handle } from './cryptoki.js';
import type { ObjectIndex } from './object-index.js';

/**
 * Session-object copies of the KEKs (`C_CopyObject` with `CKA_TOKEN` false), used to wrap and unwrap when the HSM
 * is slow with token objects (`HsmQuirks.sessionCopiesByDefault`). A copy keeps `CKA_SENSITIVE` and
 * `CKA_EXTRACTABLE` false (PKCS#11 forbids loosening them in a copy) and never leaves the HSM. It is made again
 * from the token object after `ttlMs`, and at once when this vault deletes or rotates the KEK, so a KEK another
 * process replaced on the same token is used from an old copy for at most that long. Root keys are not copied: they
 * are created with `CKA_MODIFIABLE` false, and SoftHSM2 refuses a copy of such an object with any template.
 */
export class KekCopies {
  readonly #ck: Cryptoki;
  readonly #index: ObjectIndex;
  readonly #enabled: boolean;
  readonly #ttlMs: number;
  /** Token label → its session copy and when it was made. */
  readonly #copies = new Map<string, { handle: Handle; madeAt: number }>();

  constructor(ck: Cryptoki, index: ObjectIndex, options: { enabled: boolean; ttlMs: number }) {
    this.#ck = ck;
    this.#index = index;
    this.#enabled = options.enabled;
    this.#ttlMs = options.ttlMs;
  }

  /** The handle to wrap with for the KEK object `name` (its copy, or the token object); `label` names it in errors. */
  handle(name: string, label: string): Handle {
    const copy = this.#copies.get(name);
    if (copy !== undefined && performance.now() - copy.madeAt < this.#ttlMs) return copy.handle;
    const handle = this.#index.find(name);
    if (handle === undefined) throw keysErrors.unknown_kek({ label });
    if (!this.#enabled) return handle;
    this.drop(name);
    let made: Handle;
    try {
      made = this.#copy(handle);
    } catch (err) {
      // Another process may have replaced the token object since it was found: look the label up once more.
      this.#index.forget(name);
      const again = this.#index.find(name);
      if (again === undefined) throw keysErrors.unknown_kek({ label });
      if (again.equals(handle)) throw err;
      made = this.#copy(again);
    }
    this.#copies.set(name, { handle: made, madeAt: performance.now() });
    return made;
  }

  drop(name: string): void {
    const copy = this.#copies.get(name);
    if (copy === undefined) return;
    this.#copies.delete(name);
    this.#ck.call('destroy', () => this.#ck.hsm.C_DestroyObject(this.#ck.session, copy.handle));
  }

  /** Forgets every copy (session objects end with their session). */
  clear(): void {
    this.#copies.clear();
  }

  #copy(handle: Handle): Handle {
    return this.#ck.call('copy', () =>
      this.#ck.hsm.C_CopyObject(this.#ck.session, handle, [{ type: pkcs11js.CKA_TOKEN, value: false }]),
    );
  }
}
