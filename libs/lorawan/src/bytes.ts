/** The parts one after the other: a number is one byte (0-255), an array its bytes. */
export function concatBytes(...parts: readonly (Uint8Array | number)[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += typeof part === 'number' ? 1 : part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    if (typeof part === 'number') out[at++] = part;
    else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}
