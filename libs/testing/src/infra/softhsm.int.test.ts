import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pkcs11js from 'pkcs11js';
import { requireInfra } from './require-infra.js';

const pkcs11 = new pkcs11js.PKCS11();
let session: Buffer;

/** pkcs11js handles are native CK_ULONGs; slot ids print in decimal (softhsm2-util, PKCS11_SLOT). */
const slotId = (handle: Buffer) =>
  handle.length === 8 ? handle.readBigUInt64LE() : BigInt(handle.readUInt32LE());

before(() => {
  const env = requireInfra('PKCS11_MODULE', 'PKCS11_SLOT', 'PKCS11_PIN', 'PKCS11_TOKEN_LABEL');
  pkcs11.load(env.PKCS11_MODULE);
  pkcs11.C_Initialize();
  const slot = pkcs11.C_GetSlotList(true).find((s) => slotId(s) === BigInt(env.PKCS11_SLOT));
  assert.ok(slot, `slot ${env.PKCS11_SLOT} is present`);
  assert.equal(pkcs11.C_GetTokenInfo(slot).label.trim(), env.PKCS11_TOKEN_LABEL);
  session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  pkcs11.C_Login(session, pkcs11js.CKU_USER, env.PKCS11_PIN);
});

after(() => {
  pkcs11.C_Logout(session);
  pkcs11.C_CloseSession(session);
  pkcs11.C_Finalize();
});

function cmac(key: Buffer, message: Buffer): Buffer {
  pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_AES_CMAC }, key);
  return pkcs11.C_Sign(session, message, Buffer.alloc(16));
}

test('a generated AES key stays inside the HSM and computes AES-CMAC', () => {
  const key = pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: 16 },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
  ]);
  const message = Buffer.from('6bc1bee22e409f96e93d7e117393172a', 'hex');
  const mac = cmac(key, message);
  assert.equal(mac.length, 16);
  assert.deepEqual(cmac(key, message), mac);
  assert.notDeepEqual(cmac(key, Buffer.from('6bc1bee22e409f96e93d7e117393172b', 'hex')), mac);
  assert.throws(
    () => pkcs11.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_VALUE }]),
    (err: Error) => /CKR_ATTRIBUTE_SENSITIVE/.test(err.message),
  );
  pkcs11.C_DestroyObject(session, key);
});

test('an imported key gives the AES-CMAC of RFC 4493 example 2', () => {
  const key = pkcs11.C_CreateObject(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_VALUE, value: Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex') },
  ]);
  const mac = cmac(key, Buffer.from('6bc1bee22e409f96e93d7e117393172a', 'hex'));
  assert.equal(mac.toString('hex'), '070a16b46b4d4144f79bdd9dd04a287c');
  pkcs11.C_DestroyObject(session, key);
});
