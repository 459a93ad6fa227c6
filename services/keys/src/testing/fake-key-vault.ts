import { randomBytes } from 'node:crypto';
import { createMemoryVaultStorage, createSoftwareVault } from '../adapters/software-vault/index.js';
import type { KeyVault } from '../domain/key-vault.js';
import { aesCmac, aesEncrypt, concat, le, pad16, u16le } from './lorawan-crypto.js';

/**
 * The KeyVault of the keys service's own tests: the software vault over in-memory storage, counting calls so tests
 * can check that a refused join never reached `buildJoinAccept`.
 */
export interface FakeKeyVault extends KeyVault {
  readonly calls: { buildJoinAccept: number; verifyJoinRequestMic: number };
}

export function createFakeKeyVault(): FakeKeyVault {
  const vault = createSoftwareVault({
    masterKey: new Uint8Array(randomBytes(32)),
    storage: createMemoryVaultStorage(),
  });
  const calls = { buildJoinAccept: 0, verifyJoinRequestMic: 0 };
  return {
    ...vault,
    calls,
    async verifyJoinRequestMic(devEui, macVersion, phy) {
      calls.verifyJoinRequestMic += 1;
      return vault.verifyJoinRequestMic(devEui, macVersion, phy);
    },
    async buildJoinAccept(input) {
      calls.buildJoinAccept += 1;
      return vault.buildJoinAccept(input);
    },
  };
}

/** Builds a join-request PHYPayload with a valid MIC (EUIs big-endian display order). */
export function joinRequestPhy(
  rootKey: Uint8Array,
  joinEui: Uint8Array,
  devEui: Uint8Array,
  devNonce: number,
): Uint8Array {
  const body = concat([0x00], le(joinEui), le(devEui), u16le(devNonce));
  return concat(body, aesCmac(rootKey, body).subarray(0, 4));
}

/** Builds a rejoin-request type 1 with a valid JSIntKey MIC. */
export function rejoinType1Phy(
  nwkKey: Uint8Array,
  joinEui: Uint8Array,
  devEui: Uint8Array,
  rjCount1: number,
): Uint8Array {
  const body = concat([0xc0, 0x01], le(joinEui), le(devEui), u16le(rjCount1));
  const jsIntKey = aesEncrypt(nwkKey, pad16(concat([0x06], le(devEui))));
  return concat(body, aesCmac(jsIntKey, body).subarray(0, 4));
}

/** Builds a rejoin-request type 0 or 2 (its MIC is the NS's business; zeros here). */
export function rejoinType02Phy(
  type: 0 | 2,
  netId: Uint8Array,
  devEui: Uint8Array,
  rjCount0: number,
): Uint8Array {
  return concat([0xc0, type], le(netId), le(devEui), u16le(rjCount0), [0, 0, 0, 0]);
}

/** Decrypts a 1.0.x join-accept (OptNeg = 0) with the root key: the plaintext fields and whether the MIC holds. */
export function openJoinAccept10(
  rootKey: Uint8Array,
  phy: Uint8Array,
): { plain: Uint8Array; micOk: boolean } {
  const decrypted = aesEncrypt(rootKey, phy.subarray(1));
  const plain = decrypted.subarray(0, decrypted.length - 4);
  const mic = aesCmac(rootKey, concat([phy[0]!], plain)).subarray(0, 4);
  return { plain, micOk: mic.every((v, i) => v === decrypted[decrypted.length - 4 + i]) };
}
