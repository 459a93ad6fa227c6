/** BI protocol versions on the wire (TTS configures them as `BI1.0`/`BI1.1` but sends `"1.0"`/`"1.1"`). */
export const protocolVersions = ['1.0', '1.1'] as const;
export type ProtocolVersion = (typeof protocolVersions)[number];

export function isProtocolVersion(value: unknown): value is ProtocolVersion {
  return value === '1.0' || value === '1.1';
}
