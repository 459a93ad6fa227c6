// LoRa Alliance TR005 device QR codes: `LW:D0:<JoinEUI>:<DevEUI>:<ProfileID>[:<O|S|P|C><value>]…`.

export interface Tr005Payload {
  readonly joinEui: string;
  readonly devEui: string;
  readonly profileId: string;
  /** The owner token (`O` field): the claim code. */
  readonly ownerToken?: string;
  readonly serialNumber?: string;
}

/** The parsed payload, or a sentence saying what is wrong with it. */
export function parseTr005(text: string): Tr005Payload | { error: string } {
  const fields = text.trim().split(':');
  if (fields.length < 5 || fields[0] !== 'LW' || fields[1] !== 'D0')
    return { error: 'not a LoRaWAN TR005 device QR code (it must start with LW:D0:)' };
  const [, , joinEui = '', devEui = '', profileId = '', ...extra] = fields;
  if (!/^[0-9A-Fa-f]{16}$/.test(joinEui)) return { error: 'the JoinEUI in the QR code is not 16 hex digits' };
  if (!/^[0-9A-Fa-f]{16}$/.test(devEui)) return { error: 'the DevEUI in the QR code is not 16 hex digits' };
  let ownerToken: string | undefined;
  let serialNumber: string | undefined;
  for (const field of extra) {
    if (field.startsWith('O')) ownerToken = field.slice(1);
    else if (field.startsWith('S')) serialNumber = field.slice(1);
  }
  return {
    joinEui: joinEui.toUpperCase(),
    devEui: devEui.toUpperCase(),
    profileId: profileId.toUpperCase(),
    ...(ownerToken === undefined ? {} : { ownerToken }),
    ...(serialNumber === undefined ? {} : { serialNumber }),
  };
}
