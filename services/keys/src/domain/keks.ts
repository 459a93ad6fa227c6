import { keysErrors } from './errors.js';
import type { KekPurpose } from './key-vault.js';
import type { KeysDomainDeps } from './join-pipeline.js';

/** What the KEK use cases need: the vault, the storage KEK's label (never theirs to touch), and a logger. */
type KekDeps = Pick<KeysDomainDeps, 'vault' | 'config' | 'logger'>;

export interface KekRequest {
  readonly label: string;
  readonly purpose: Exclude<KekPurpose, 'storage'>;
  readonly bits: 128 | 192 | 256;
  /** Supplied by a manufacturer (transport KEKs only); generated in the vault otherwise. */
  readonly key?: Uint8Array;
}

/** The storage KEK seals the vault's own records: no RPC creates, rotates or deletes it. */
function refuseStorageLabel(deps: Pick<KeysDomainDeps, 'config'>, label: string): void {
  if (label === deps.config.storageKekLabel)
    throw keysErrors.malformed_request({ field: 'label', reason: 'reserved' });
}

function validate(deps: Pick<KeysDomainDeps, 'config'>, input: KekRequest): void {
  if (input.label.trim() === '' || input.label.length > 128)
    throw keysErrors.malformed_request({ field: 'label' });
  refuseStorageLabel(deps, input.label);
  if (input.key !== undefined && (input.purpose !== 'transport' || input.key.length !== input.bits / 8))
    throw keysErrors.malformed_request({ field: 'key' });
}

const options = (input: KekRequest) => ({
  purpose: input.purpose,
  bits: input.bits,
  ...(input.key === undefined ? {} : { key: input.key }),
});

/** A new key under the label, logged (a rotation as a warning: the peer must install the new key). */
async function issue(
  deps: Pick<KeysDomainDeps, 'vault' | 'logger'>,
  input: KekRequest,
  how: 'created' | 'rotated',
): Promise<Uint8Array> {
  const key = await deps.vault.createKek(input.label, options(input));
  const fields = { kek_label: input.label, purpose: input.purpose, bits: input.bits };
  if (how === 'created') deps.logger.info(fields, 'kek created');
  else deps.logger.warn(fields, 'kek rotated');
  return key;
}

/** Creates a peer or transport KEK; the key bytes come back this once, for the peer's operator. */
export async function createKek(deps: KekDeps, input: KekRequest): Promise<Uint8Array> {
  validate(deps, input);
  if (await deps.vault.hasKek(input.label)) throw keysErrors.kek_exists({ label: input.label });
  return issue(deps, input, 'created');
}

/**
 * Replaces the key under a label (the peer installs the new key under the same label). Not atomic in the vault:
 * between delete and create, calls that wrap under this label fail rather than use the old key.
 */
export async function rotateKek(deps: KekDeps, input: KekRequest): Promise<Uint8Array> {
  validate(deps, input);
  if (!(await deps.vault.hasKek(input.label))) throw keysErrors.unknown_kek({ label: input.label });
  await deps.vault.deleteKek(input.label);
  return issue(deps, input, 'rotated');
}

export async function deleteKek(deps: KekDeps, label: string): Promise<void> {
  refuseStorageLabel(deps, label);
  await deps.vault.deleteKek(label);
  deps.logger.warn({ kek_label: label }, 'kek deleted');
}
