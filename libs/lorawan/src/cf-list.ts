import { lorawanErrors } from './errors.js';

/**
 * The optional 16-byte CFList of a join-accept. Type 0: five extra channel frequencies in Hz (24-bit LE in units
 * of 100 Hz on the air; 0 disables the slot). Type 1: five 16-bit ChMasks (channel-mask regions such as US915).
 */
export type CFList =
  | { readonly type: 0; readonly frequencies: readonly number[] }
  | { readonly type: 1; readonly chMasks: readonly number[] };

export function encodeCFList(cfList: CFList | Uint8Array): Uint8Array {
  if (cfList instanceof Uint8Array) {
    // Raw bytes pass through as given (the NS's JoinReq carries them that way), after the shape is checked.
    decodeCFList(cfList);
    return Uint8Array.from(cfList);
  }
  const out = new Uint8Array(16);
  if (cfList.type === 0) {
    if (cfList.frequencies.length !== 5) throw lorawanErrors.invalid_cflist({ reason: 'need_5_frequencies' });
    cfList.frequencies.forEach((hz, i) => {
      const units = hz / 100;
      if (!Number.isInteger(units) || units < 0 || units > 0xffffff)
        throw lorawanErrors.invalid_cflist({ reason: 'frequency', index: i });
      out[i * 3] = units & 0xff;
      out[i * 3 + 1] = (units >>> 8) & 0xff;
      out[i * 3 + 2] = units >>> 16;
    });
  } else if (cfList.type === 1) {
    if (cfList.chMasks.length !== 5) throw lorawanErrors.invalid_cflist({ reason: 'need_5_chmasks' });
    cfList.chMasks.forEach((mask, i) => {
      if (!Number.isInteger(mask) || mask < 0 || mask > 0xffff)
        throw lorawanErrors.invalid_cflist({ reason: 'chmask', index: i });
      out[i * 2] = mask & 0xff;
      out[i * 2 + 1] = mask >>> 8;
    });
    out[15] = 1;
  } else {
    throw lorawanErrors.invalid_cflist({ reason: 'type' });
  }
  return out;
}

export function decodeCFList(bytes: Uint8Array): CFList {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 16)
    throw lorawanErrors.invalid_cflist({ reason: 'length' });
  const type = bytes[15];
  if (type === 0) {
    const frequencies = [0, 1, 2, 3, 4].map(
      (i) =>
        ((bytes[i * 3] as number) |
          ((bytes[i * 3 + 1] as number) << 8) |
          ((bytes[i * 3 + 2] as number) << 16)) *
        100,
    );
    return { type: 0, frequencies };
  }
  if (type === 1) {
    // Bytes 10..14 are RFU; a non-zero RFU byte would be lost on re-encoding, so it is rejected.
    if (bytes.subarray(10, 15).some((b) => b !== 0)) throw lorawanErrors.invalid_cflist({ reason: 'rfu' });
    const chMasks = [0, 1, 2, 3, 4].map(
      (i) => (bytes[i * 2] as number) | ((bytes[i * 2 + 1] as number) << 8),
    );
    return { type: 1, chMasks };
  }
  throw lorawanErrors.invalid_cflist({ reason: 'type', type: type as number });
}
