/**
 * A DevNonce reset as keys records it (`ResetDevNonces`) and claims and the console read it back (`GetNonceState`):
 * one declaration of the fact on both sides of `keys.proto`'s `DevNonceReset`.
 */
export interface DevNonceReset {
  /** Who asked: `account:<id>/<api key id>` or `admin/<api key id>`. */
  readonly actor: string;
  readonly reason: string;
  /** Unix ms. */
  readonly time: number;
  /** Last accepted DevNonce before the reset, -1 when none. */
  readonly lastDevNonce: number;
  readonly historySize: number;
}
