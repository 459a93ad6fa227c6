import { lorawanErrors } from './errors.js';

/**
 * A LoRa Alliance TR005 device identification QR code, schema D0:
 * `LW:D0:<JoinEUI>:<DevEUI>:<ProfileID>[:<element>…]` with the EUIs as 16 hex digits, ProfileID as 8 (VendorID then
 * VendorProfileID), and optional elements each named by its first letter: `O` OwnerToken, `S` SerNum,
 * `P` Proprietary, `C` CheckSum (4 hex digits, kept as given; it is not verified here).
 */
export interface Tr005Code {
  /** Upper-case hex. */
  readonly joinEui: string;
  readonly devEui: string;
  readonly profileId: string;
  readonly ownerToken: string | null;
  readonly serialNumber: string | null;
  readonly proprietary: string | null;
  readonly checksum: string | null;
}

/** Longer payloads are refused unread (a QR code holds at most a few kilobytes; these are far shorter). */
const maxPayloadLength = 512;

const eui = (value: string | undefined, field: string): string => {
  if (value === undefined || !/^[0-9A-Fa-f]{16}$/.test(value))
    throw lorawanErrors.invalid_qr_code({ field, reason: '16 hex digits' });
  return value.toUpperCase();
};

/** Parses a TR005 payload; `lorawan:invalid_qr_code` {field, reason} otherwise. */
export function parseTr005(payload: string): Tr005Code {
  const text = payload.trim();
  if (text.length > maxPayloadLength)
    throw lorawanErrors.invalid_qr_code({
      field: 'payload',
      reason: `at most ${maxPayloadLength} characters`,
    });
  const parts = text.split(':');
  if (parts[0] !== 'LW' || parts[1] !== 'D0')
    throw lorawanErrors.invalid_qr_code({ field: 'schema', reason: 'must start with LW:D0:' });
  const joinEui = eui(parts[2], 'joinEui');
  const devEui = eui(parts[3], 'devEui');
  const profileId = parts[4];
  if (profileId === undefined || !/^[0-9A-Fa-f]{8}$/.test(profileId))
    throw lorawanErrors.invalid_qr_code({ field: 'profileId', reason: '8 hex digits' });
  const elements = new Map<string, string>();
  for (const element of parts.slice(5)) {
    const letter = element.charAt(0);
    if (!['O', 'S', 'P', 'C'].includes(letter) || element.length < 2)
      throw lorawanErrors.invalid_qr_code({ field: 'element', reason: 'O, S, P or C followed by a value' });
    if (elements.has(letter)) throw lorawanErrors.invalid_qr_code({ field: letter, reason: 'given twice' });
    elements.set(letter, element.slice(1));
  }
  const checksum = elements.get('C') ?? null;
  if (checksum !== null && !/^[0-9A-Fa-f]{4}$/.test(checksum))
    throw lorawanErrors.invalid_qr_code({ field: 'checksum', reason: '4 hex digits' });
  return {
    joinEui,
    devEui,
    profileId: profileId.toUpperCase(),
    ownerToken: elements.get('O') ?? null,
    serialNumber: elements.get('S') ?? null,
    proprietary: elements.get('P') ?? null,
    checksum,
  };
}

/** The payload of a TR005 code with the OwnerToken as its one optional element (what Joinery prints). */
export function formatTr005(input: {
  readonly joinEui: string;
  readonly devEui: string;
  readonly profileId: string;
  readonly ownerToken: string | null;
}): string {
  const parts = ['LW', 'D0', input.joinEui, input.devEui, input.profileId];
  if (input.ownerToken !== null && input.ownerToken !== '') parts.push(`O${input.ownerToken}`);
  return parts.join(':');
}
