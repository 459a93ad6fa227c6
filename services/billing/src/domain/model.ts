/** One device's one-time activation charge. */
export interface ChargeRecord {
  /** 16 upper-case hex digits. */
  readonly devEui: string;
  readonly accountId: string;
  /** Integer minor units of `currency`. */
  readonly amountMinor: number;
  /** ISO 4217. */
  readonly currency: string;
  /** Unix ms: the time of the join that activated the device. */
  readonly chargedAt: number;
  readonly joinEventId: string;
}

/** A bus record billing could not use, kept so that nothing is lost and nothing blocks the partition. */
export interface ParkedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly reason: string;
  /** Unix ms. */
  readonly parkedAt: number;
  readonly size: number;
  /** The record's bytes, base64, so it can be inspected and replayed. */
  readonly valueBase64: string;
}

/** Where a listing continues: after this (chargedAt, devEui). */
export interface ChargeCursor {
  readonly chargedAt: number;
  readonly devEui: string;
}

export interface ChargeQuery {
  readonly accountId?: string;
  /** Unix ms, inclusive. */
  readonly from?: number;
  /** Unix ms, exclusive. */
  readonly to?: number;
  readonly after?: ChargeCursor;
  readonly limit: number;
}
