import pkcs11js from 'pkcs11js';
import { tokenObjects } from './templates.js';
import type { Cryptoki, Handle } from './cryptoki.js';

/**
 * Token-object handles of this vault by label. A label lookup is a linear scan of the token on SoftHSM2 (~50 µs per
 * object, ~50 ms with 1,000 keys), so every object of the prefix is indexed in one search when the vault opens, and
 * again for each import batch. Objects another process creates later are still found by label on first use, except
 * during a batch, which trusts the index: a label it lacks is absent.
 */
export class ObjectIndex {
  readonly #ck: Cryptoki;
  readonly #prefix: string;
  readonly #handles = new Map<string, Handle>();
  #batchDepth = 0;

  constructor(ck: Cryptoki, prefix: string) {
    this.#ck = ck;
    this.#prefix = prefix;
  }

  find(label: string): Handle | undefined {
    const cached = this.#handles.get(label);
    if (cached !== undefined || this.#batchDepth > 0) return cached;
    const { hsm, session } = this.#ck;
    const found = this.#ck.call('find', () => {
      hsm.C_FindObjectsInit(session, tokenObjects(label));
      try {
        return hsm.C_FindObjects(session, 1)[0];
      } finally {
        hsm.C_FindObjectsFinal(session);
      }
    });
    if (found !== undefined) this.#handles.set(label, found);
    return found;
  }

  set(label: string, handle: Handle): void {
    this.#handles.set(label, handle);
  }

  forget(label: string): void {
    this.#handles.delete(label);
  }

  clear(): void {
    this.#handles.clear();
  }

  /** Indexes every token object of the prefix in one search; the counts are for the log. */
  indexAll() {
    const { hsm, session } = this.#ck;
    const prefix = this.#prefix;
    return this.#ck.call('index', () => {
      const started = performance.now();
      this.#handles.clear();
      const all: Handle[] = [];
      hsm.C_FindObjectsInit(session, tokenObjects());
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
          .C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_LABEL }])[0]
          ?.value?.toString('utf8');
        if (label === undefined || !label.startsWith(`${prefix}:`)) continue;
        this.#handles.set(label, handle);
        if (label.startsWith(`${prefix}:root:`)) counts.root_keys++;
        else if (label.startsWith(`${prefix}:kek:`)) counts.keks++;
      }
      return { ...counts, token_objects: all.length, ms: Math.round(performance.now() - started) };
    });
  }

  /** Runs `fn` against one index taken at the start of the outermost batch. */
  async inBatch<T>(fn: () => Promise<T>, onIndexed: (counts: ReturnType<ObjectIndex['indexAll']>) => void) {
    if (this.#batchDepth === 0) onIndexed(this.indexAll());
    this.#batchDepth++;
    try {
      return await fn();
    } finally {
      this.#batchDepth--;
    }
  }
}
