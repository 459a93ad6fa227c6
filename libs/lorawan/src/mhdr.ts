import { lorawanErrors } from './errors.js';

/** MType values (MHDR bits 7..5). */
export const MType = {
  joinRequest: 0,
  joinAccept: 1,
  unconfirmedDataUp: 2,
  unconfirmedDataDown: 3,
  confirmedDataUp: 4,
  confirmedDataDown: 5,
  rejoinRequest: 6,
  proprietary: 7,
} as const;
export type MType = (typeof MType)[keyof typeof MType];

/** Major version LoRaWAN R1 (MHDR bits 1..0); the only one defined. */
export const majorR1 = 0;

/** The MHDR byte of a frame of this MType: `MType << 5`, RFU and Major zero. */
export function mhdrFor(mtype: MType): number {
  return mtype << 5;
}

/** Checks the MHDR of a frame expected to be `mtype`: wrong MType, set RFU bits and unknown Major are typed errors. */
export function checkMhdr(mhdr: number | undefined, mtype: MType): void {
  if (mhdr === undefined) throw lorawanErrors.invalid_length({ reason: 'empty' });
  if (mhdr >>> 5 !== mtype) throw lorawanErrors.invalid_mtype({ expected: mtype, got: mhdr >>> 5 });
  if ((mhdr & 0x1c) !== 0) throw lorawanErrors.invalid_mhdr({ mhdr });
  if ((mhdr & 0x03) !== majorR1) throw lorawanErrors.unsupported_major({ major: mhdr & 0x03 });
}
