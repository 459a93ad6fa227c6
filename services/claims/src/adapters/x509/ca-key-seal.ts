import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { claimsErrors } from '../../domain/errors.js';
import type { BundleSeal } from '../../domain/ports.js';
import { loadOrCreateSealKey, sealKeyBytes } from './seal-key.js';

const version = 'v1';
const purpose = 'joinery-ca-key-v1';
const ivBytes = 12;
const tagBytes = 16;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The GCM additional data: the purpose and the CA certificate, so a sealed key only opens next to its own. */
function additionalData(certFingerprintSha256: string): Buffer {
  return Buffer.from(`${purpose}:${certFingerprintSha256.toLowerCase()}`, 'utf8');
}

/**
 * Seals the CA private key for the claims store with AES-256-GCM under the claims seal key, as
 * `v1:<base64 IV>:<base64 ciphertext and tag>`. It holds the key as a KeyObject and never hands it out; it prints
 * as `CaKeySeal(<redacted>)` with the file it came from.
 */
export class CaKeySeal {
  readonly #key: KeyObject;
  /** Where the seal key came from (a file path), named in errors and logs. */
  readonly source: string;

  /** Copies `key`; the caller may zero it afterwards. */
  constructor(key: Uint8Array, source: string) {
    if (key.length !== sealKeyBytes)
      throw claimsErrors.invalid_seal_key(
        { path: source, bytes: key.length },
        `claims seal key must be ${sealKeyBytes} bytes`,
      );
    this.#key = createSecretKey(key);
    this.source = source;
  }

  seal(plaintext: Uint8Array, certFingerprintSha256: string): string {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: tagBytes });
    cipher.setAAD(additionalData(certFingerprintSha256));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `${version}:${iv.toString('base64')}:${sealed.toString('base64')}`;
  }

  /**
   * The sealed bytes (the caller zeroes them once used). Throws `claims:ca_unseal_failed` {file, reason} for
   * another seal key, a changed blob, or a blob sealed next to another certificate.
   */
  unseal(sealedText: string, certFingerprintSha256: string): Uint8Array {
    const parts = sealedText.split(':');
    const [v, ivText, sealedPart] = parts;
    if (
      parts.length !== 3 ||
      v !== version ||
      ivText === undefined ||
      sealedPart === undefined ||
      !base64.test(ivText) ||
      !base64.test(sealedPart)
    )
      throw this.failure('unknown_format');
    const iv = Buffer.from(ivText, 'base64');
    const sealed = Buffer.from(sealedPart, 'base64');
    if (iv.length !== ivBytes || sealed.length <= tagBytes) throw this.failure('unknown_format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: tagBytes });
    decipher.setAAD(additionalData(certFingerprintSha256));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    const opened = decipher.update(sealed.subarray(0, sealed.length - tagBytes));
    try {
      return Buffer.concat([opened, decipher.final()]);
    } catch {
      throw this.failure('authentication_failed');
    } finally {
      // Only final() authenticates: what update() decrypted is never released on its own.
      opened.fill(0);
    }
  }

  private failure(reason: 'unknown_format' | 'authentication_failed') {
    return claimsErrors.ca_unseal_failed(
      { file: this.source, reason },
      `the CA private key in the claims store does not open with the seal key in ${this.source} (another ` +
        'JOINERY_CLAIMS_SEAL_KEY_FILE, or a changed record); nothing was overwritten',
    );
  }

  toString(): string {
    return `CaKeySeal(<redacted>, ${this.source})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The seal key of `path` (created 0600 on first start, see `loadOrCreateSealKey`), held only by the seal. */
export function openCaKeySeal(path: string): CaKeySeal {
  const key = loadOrCreateSealKey(path);
  try {
    return new CaKeySeal(key, path);
  } finally {
    key.fill(0);
  }
}

/**
 * The seal of credentials archives, with the claims seal key: AES-256-GCM as the CA key's, its additional data the
 * purpose `joinery-ca-key-v1:` followed by `bundle:<id>:<peer id>` (never 64 hex digits, so never a CA fingerprint).
 */
export function bundleSealOf(seal: CaKeySeal): BundleSeal {
  return {
    seal: (plaintext, context) => seal.seal(plaintext, context),
    unseal: (sealed, context) => seal.unseal(sealed, context),
  };
}
