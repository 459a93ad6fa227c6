// Loads the project's LoRaWAN vectors (libs/lorawan/vectors, sources named in its README) for the tests. JSON modules
// are imported rather than read with node:fs, because this codec library may not import I/O modules.
import { DevAddr } from './dev-addr.js';
import type { JoinAcceptFields } from './join-accept.js';
import { JoinNonce } from './join-nonce.js';
import { NetID } from './net-id.js';

const vectorsDir = new URL('../vectors/', import.meta.url);

export type VectorFile =
  | 'cmac'
  | 'key-wrap'
  | 'join-request-mic'
  | 'join-accept-1.0'
  | 'join-accept-1.1'
  | 'session-keys-1.0'
  | 'session-keys-1.1'
  | 'rejoin-mic';

/** Every vector is an object of hex strings, integers and provenance fields; tests read the fields they need. */
export interface Vector {
  readonly id: string;
  readonly verified: boolean;
  readonly [field: string]: unknown;
}

export async function loadVectors(file: VectorFile): Promise<Vector[]> {
  const url = new URL(`${file}.json`, vectorsDir);
  let loaded: { default: unknown };
  try {
    loaded = (await import(url.href, { with: { type: 'json' } })) as { default: unknown };
  } catch (err) {
    throw new Error(`LoRaWAN test vectors missing or unreadable at ${url.pathname} (libs/lorawan/vectors)`, {
      cause: err,
    });
  }
  const vectors = loaded.default;
  if (!Array.isArray(vectors) || vectors.length === 0) throw new Error(`${url.pathname} holds no vectors`);
  return vectors as Vector[];
}

/** A hex field of a vector as bytes ("" gives an empty array); throws when the field is missing or not a string. */
export function hexField(v: Vector, field: string): Uint8Array {
  const value = v[field];
  if (typeof value !== 'string') throw new Error(`${v.id}: field ${field} is not a hex string`);
  return new Uint8Array(Buffer.from(value, 'hex'));
}

export function strField(v: Vector, field: string): string {
  const value = v[field];
  if (typeof value !== 'string') throw new Error(`${v.id}: field ${field} is not a string`);
  return value;
}

export function intField(v: Vector, field: string): number {
  const value = v[field];
  if (typeof value !== 'number') throw new Error(`${v.id}: field ${field} is not a number`);
  return value;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The join-accept fields of a join-accept vector (its big-endian and integer forms), without the MIC. */
export function joinAcceptFieldsOf(v: Vector): JoinAcceptFields {
  const cfList = hexField(v, 'cfList');
  return {
    joinNonce: JoinNonce.of(intField(v, 'joinNonceInt')),
    netId: NetID.parse(strField(v, 'netIdBE')),
    devAddr: DevAddr.parse(strField(v, 'devAddrBE')),
    dlSettings: parseInt(strField(v, 'dlSettings'), 16),
    rxDelay: parseInt(strField(v, 'rxDelay'), 16),
    ...(cfList.length > 0 ? { cfList } : {}),
  };
}
