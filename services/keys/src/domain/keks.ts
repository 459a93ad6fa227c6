import { keysErrors } from './errors.js';
import type { KekPurpose } from './key-vault.js';
import type { KeysDomainDeps } from './join-pipeline.js';

export interface KekRequest {
  readonly label: string;
  readonly purpose: Exclude<KekPurpose, 'storage'>;
  readonly bits: 128 | 192 | 256;
  /** Supplied by a manufacturer (transport KEKs only); generated in the vault otherwise. */
  readonly key?: Uint8Array;
}

function validate(deps: Pick<KeysDomainDeps, 'config'>, input: KekRequest): void {
  if (input.label.trim() === '' || input.label.length > 128)
    throw keysErrors.malformed_request({ field: 'label' });
  if (input.label === deps.config.storageKekLabel)
    throw keysErrors.malformed_request({ field: 'label', reason: 'reserved' });
  if (input.key !== undefined && (input.purpose !== 'transport' || input.key.length !== input.bits / 8))
    throw keysErrors.malformed_request({ field: 'key' });
}

const options = (input: KekRequest) => ({
  purpose: input.purpose,
  bits: input.bits,
  ...(input.key === undefined ? {} : { key: input.key }),
});

/** Creates a peer or transport KEK; the key bytes come back this once, for the peer's operator. */
export async function createKek(
  deps: Pick<KeysDomainDeps, 'vault' | 'config' | 'logger'>,
  input: KekRequest,
): Promise<Uint8Array> {
  validate(deps, input);
  if (await deps.vault.hasKek(input.label)) throw keysErrors.kek_exists({ label: input.label });
  const key = await deps.vault.createKek(input.label, options(input));
  deps.logger.info({ kek_label: input.label, purpose: input.purpose, bits: input.bits }, 'kek created');
  return key;
}

/**
 * Replaces the key under a label (the peer installs the new key under the same label). Not atomic in the vault:
 * between delete and create, calls that wrap under this label fail rather than use the old key.
 */
export async function rotateKek(
  deps: Pick<KeysDomainDeps, 'vault' | 'config' | 'logger'>,
  input: KekRequest,
): Promise<Uint8Array> {
  validate(deps, input);
  if (!(await deps.vault.hasKek(input.label))) throw keysErrors.unknown_kek({ label: input.label });
  await deps.vault.deleteKek(input.label);
  const key = await deps.vault.createKek(input.label, options(input));
  deps.logger.warn({ kek_label: input.label, purpose: input.purpose, bits: input.bits }, 'kek rotated');
  return key;
}

export async function deleteKek(
  deps: Pick<KeysDomainDeps, 'vault' | 'config' | 'logger'>,
  label: string,
): Promise<void> {
  if (label === deps.config.storageKekLabel)
    throw keysErrors.malformed_request({ field: 'label', reason: 'reserved' });
  await deps.vault.deleteKek(label);
  deps.logger.warn({ kek_label: label }, 'kek deleted');
}
