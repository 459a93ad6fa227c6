import { JoineryError } from '@joinery/errors';
import type { KeyVault } from './key-vault.js';

/** How long the health check waits for the vault (a PKCS#11 vault answers after the call its thread is making). */
export const vaultHealthTimeoutMs = 300;

export type VaultHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * `vault.health()` within `timeoutMs`: ok, or why not: the error's code (`keys:hsm_error`, …, never its message) or
 * `no_answer`. Never rejects.
 */
export async function vaultHealth(vault: KeyVault, timeoutMs = vaultHealthTimeoutMs): Promise<VaultHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<VaultHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: 'no_answer' }), timeoutMs);
  });
  try {
    return await Promise.race([
      vault.health().then(
        (): VaultHealth => ({ ok: true }),
        (err: unknown): VaultHealth => ({ ok: false, reason: JoineryError.from(err).code }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
