/**
 * The LoRa Alliance TR005 QR code payload: `LW:D0:<JoinEUI>:<DevEUI>:<ProfileID>` (upper-case hex; ProfileID is
 * 8 hex digits, VendorID then VendorProfileID), then optional elements, each a one-letter prefix and a value. We add
 * only the OwnerToken (`O<claim code>`), which is what the owner presents to claim the device, and no checksum.
 */
export { formatTr005 as tr005Payload } from '@joinery/lorawan';

/** Claim codes must fit a TR005 element: printable ASCII without ':' (the separator), 4 to 64 characters. */
export function isValidClaimCode(code: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]{4,64}$/.test(code);
}
