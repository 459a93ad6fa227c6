/**
 * What differs between HSMs, in one table keyed by the module's `manufacturerID` (`C_GetInfo`). The vault reads
 * its behaviour from here instead of testing for a product in place.
 */
export interface HsmQuirks {
  /**
   * Wrap and unwrap with session-object copies of the KEKs: SoftHSM2 re-reads a token object's file (open, lock,
   * read, close) on every use; other modules keep token objects in memory.
   */
  readonly sessionCopiesByDefault: boolean;
  /**
   * The CKR codes with which a wrapped key that does not unwrap (the RFC 3394 integrity check) is reported. SoftHSM2
   * says CKR_GENERAL_ERROR; the standard codes are the others.
   */
  readonly unwrapFailures: RegExp;
}

const standardUnwrapFailures =
  /CKR_(WRAPPED_KEY_INVALID|WRAPPED_KEY_LEN_RANGE|ENCRYPTED_DATA_INVALID|ENCRYPTED_DATA_LEN_RANGE)/;

const byManufacturer: readonly (readonly [prefix: string, quirks: HsmQuirks])[] = [
  [
    'softhsm',
    {
      sessionCopiesByDefault: true,
      unwrapFailures:
        /CKR_(WRAPPED_KEY_INVALID|WRAPPED_KEY_LEN_RANGE|ENCRYPTED_DATA_INVALID|ENCRYPTED_DATA_LEN_RANGE|GENERAL_ERROR)/,
    },
  ],
];

const standard: HsmQuirks = { sessionCopiesByDefault: false, unwrapFailures: standardUnwrapFailures };

/** The quirks of the module whose `manufacturerID` this is (the standard behaviour for any other). */
export function quirksOf(manufacturerId: string): HsmQuirks {
  const id = manufacturerId.trim().toLowerCase();
  return byManufacturer.find(([prefix]) => id.startsWith(prefix))?.[1] ?? standard;
}
