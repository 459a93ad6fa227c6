import pkcs11js from 'pkcs11js';

const { CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_LABEL, CKA_VALUE_LEN, CKA_PRIVATE } = pkcs11js;
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

/** Every object of the vault is an AES secret key. */
export const secretAes = [
  { type: CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
];

/** The token objects of this vault (to find them by label, or all of them). */
export const tokenObjects = (label?: string) => [
  ...secretAes,
  ...(label === undefined ? [] : [{ type: CKA_LABEL, value: label }]),
  { type: CKA_TOKEN, value: true },
];

/** A token object no one can read: private, sensitive, never extractable. */
const protectedTokenKey = (label: string) => [
  ...secretAes,
  { type: CKA_TOKEN, value: true },
  { type: CKA_PRIVATE, value: true },
  { type: CKA_LABEL, value: label },
  { type: CKA_SENSITIVE, value: true },
  { type: CKA_EXTRACTABLE, value: false },
];

/** Root keys: protected token objects, usable to derive, MIC and encrypt. */
export const rootKeyTemplate = (label: string) => [
  ...protectedTokenKey(label),
  { type: CKA_DERIVE, value: true },
  { type: CKA_SIGN, value: true },
  { type: CKA_ENCRYPT, value: true },
  { type: CKA_DECRYPT, value: true },
];

/** KEKs: protected token objects that only wrap and unwrap. */
export const kekTemplate = (label: string) => [
  ...protectedTokenKey(label),
  { type: CKA_WRAP, value: true },
  { type: CKA_UNWRAP, value: true },
];

/**
 * Session keys and JS keys: session objects, extractable only by wrapping; sensitive unless their value must be
 * read for a plaintext delivery. C_DeriveKey needs the length; C_UnwrapKey takes it from the unwrapped value and
 * refuses it in the template.
 */
export const sessionKeyTemplate = (readable: boolean, withLength = true) => [
  ...secretAes,
  ...(withLength ? [{ type: CKA_VALUE_LEN, value: 16 }] : []),
  { type: CKA_TOKEN, value: false },
  { type: CKA_SENSITIVE, value: !readable },
  { type: CKA_EXTRACTABLE, value: true },
  { type: CKA_SIGN, value: true },
  { type: CKA_ENCRYPT, value: true },
  { type: CKA_DECRYPT, value: true },
];

export const wrapMechanism = { mechanism: pkcs11js.CKM_AES_KEY_WRAP };

const zeroIv = Buffer.alloc(16);

/**
 * A key the HSM derives as AES-ECB-encrypt(parent, block): CBC with a zero IV over one block is the same thing, and
 * stock pkcs11js cannot pass the parameter of `CKM_AES_ECB_ENCRYPT_DATA`.
 */
export const encryptDataMechanism = (block: Uint8Array) => ({
  mechanism: pkcs11js.CKM_AES_CBC_ENCRYPT_DATA,
  parameter: { type: pkcs11js.CK_PARAMS_AES_CBC, iv: zeroIv, data: Buffer.from(block) },
});
