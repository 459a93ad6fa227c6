import { defineErrors } from '@joinery/errors';

/**
 * The catalogue of every error this library throws. Codes are stable (`lorawan:invalid_eui`); callers and tests
 * match on the code, never the message. Messages and details never carry key material.
 */
export const lorawanErrors = defineErrors('lorawan', {
  invalid_hex: ['invalid_argument', 'not a hex string of the expected length'],
  invalid_eui: ['invalid_argument', 'invalid EUI-64'],
  invalid_dev_addr: ['invalid_argument', 'invalid DevAddr'],
  invalid_net_id: ['invalid_argument', 'invalid NetID'],
  invalid_key: ['invalid_argument', 'invalid AES-128 key'],
  invalid_dev_nonce: ['invalid_argument', 'invalid DevNonce'],
  invalid_join_nonce: ['invalid_argument', 'invalid JoinNonce'],
  invalid_counter: ['invalid_argument', 'invalid 16-bit counter (RJcount)'],
  invalid_block: ['invalid_argument', 'invalid key-derivation prefix or block input'],
  invalid_length: ['invalid_argument', 'frame has the wrong length'],
  invalid_mtype: ['invalid_argument', 'unexpected MType in MHDR'],
  invalid_mhdr: ['invalid_argument', 'MHDR RFU bits are set'],
  unsupported_major: ['invalid_argument', 'unsupported LoRaWAN major version in MHDR'],
  invalid_rejoin_type: ['invalid_argument', 'invalid rejoin type'],
  invalid_join_req_type: ['invalid_argument', 'invalid JoinReqType'],
  invalid_dl_settings: ['invalid_argument', 'invalid DLSettings'],
  invalid_rx_delay: ['invalid_argument', 'invalid RxDelay byte'],
  invalid_cflist: ['invalid_argument', 'invalid CFList'],
  invalid_mic: ['invalid_argument', 'MIC must be 4 bytes'],
  mic_mismatch: ['unauthenticated', 'MIC check failed'],
  invalid_mac_version: ['invalid_argument', 'unsupported LoRaWAN MAC version'],
  invalid_join_options: ['invalid_argument', 'inconsistent join-accept options'],
  invalid_kek: ['invalid_argument', 'KEK must be 16, 24 or 32 bytes'],
  invalid_qr_code: [
    'invalid_argument',
    'not a LoRaWAN TR005 QR code payload (LW:D0:JoinEUI:DevEUI:ProfileID…)',
  ],
  invalid_key_data: ['invalid_argument', 'key data to wrap must be a multiple of 8 bytes, at least 16'],
  key_unwrap_failed: ['invalid_argument', 'key unwrap failed: wrong KEK or corrupted data'],
});
