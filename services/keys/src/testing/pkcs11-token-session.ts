// For the PKCS#11 integration tests: a session on the test token through a PKCS11 object of its own (the same
// library the vaults of this process initialised, so it sees their session objects), as another program would open
// one.
import assert from 'node:assert/strict';
import pkcs11js from 'pkcs11js';

/** A read/write session on the token labelled `tokenLabel` of `module`, not logged in. */
export function openTestTokenSession(
  module: string,
  tokenLabel: string,
): { hsm: pkcs11js.PKCS11; session: Buffer } {
  const hsm = new pkcs11js.PKCS11();
  hsm.load(module);
  try {
    hsm.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test((err as Error).message)) throw err;
  }
  const slot = hsm.C_GetSlotList(true).find((s) => hsm.C_GetTokenInfo(s).label.trim() === tokenLabel);
  assert.ok(slot, `no token labelled ${tokenLabel}`);
  return { hsm, session: hsm.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION) };
}
