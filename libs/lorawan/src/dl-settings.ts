import { lorawanErrors } from './errors.js';

/** The join-accept DLSettings byte: OptNeg (bit 7; RFU = 0 in 1.0.x), RX1DROffset (bits 6..4), RX2DataRate (bits 3..0). */
export interface DLSettings {
  readonly optNeg: boolean;
  readonly rx1DrOffset: number;
  readonly rx2DataRate: number;
}

export function encodeDLSettings(settings: DLSettings | number): number {
  if (typeof settings === 'number') {
    if (!Number.isInteger(settings) || settings < 0 || settings > 0xff)
      throw lorawanErrors.invalid_dl_settings({ reason: 'not_a_byte' });
    return settings;
  }
  const { optNeg, rx1DrOffset, rx2DataRate } = settings;
  if (!Number.isInteger(rx1DrOffset) || rx1DrOffset < 0 || rx1DrOffset > 7)
    throw lorawanErrors.invalid_dl_settings({ field: 'rx1DrOffset' });
  if (!Number.isInteger(rx2DataRate) || rx2DataRate < 0 || rx2DataRate > 15)
    throw lorawanErrors.invalid_dl_settings({ field: 'rx2DataRate' });
  return (optNeg ? 0x80 : 0) | (rx1DrOffset << 4) | rx2DataRate;
}

export function decodeDLSettings(byte: number): DLSettings {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff)
    throw lorawanErrors.invalid_dl_settings({ reason: 'not_a_byte' });
  return { optNeg: (byte & 0x80) !== 0, rx1DrOffset: (byte >>> 4) & 0x07, rx2DataRate: byte & 0x0f };
}
