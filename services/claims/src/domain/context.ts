import { randomUUID } from 'node:crypto';
import { claimsErrors } from './errors.js';
import { normalizeEui } from './identifiers.js';
import type { DeviceChange, DeviceEventRecord, Principal } from './model.js';
import type { CertificateAuthority, ClaimsStore, Clock, KeyCustody } from './ports.js';
import type { ScryptCost } from './secrets.js';

/** The structured logger the use cases write to (pino-compatible: object first, then message). */
export interface ClaimsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Claim-code guessing limits; they limit the guesser, never the device's owner. Counted are failed claims (an
 * attempt is reserved before the claim code is evaluated and released again when the claim succeeds).
 */
export interface RateLimit {
  /** Failures allowed per account on one DevEUI within the window. */
  readonly maxFailures: number;
  /**
   * Failures allowed per account on all DevEUIs together within the window; default 5 × maxFailures, backing off over
   * the last freeFailures of them. Larger than the per-DevEUI limit because an attempt is reserved before it is
   * evaluated: an owner claiming many devices at once holds one reservation per claim in flight, and must not be
   * refused for that. A single device is never guessed more than maxFailures times per account.
   */
  readonly maxAccountFailures?: number;
  readonly windowMs: number;
  /**
   * Failures allowed on one DevEUI within the window from all accounts together, counting only the tries of accounts
   * that already failed on it (an account's first try is never refused for this, so no stranger can lock the owner
   * out). Default 3 × maxFailures.
   */
  readonly maxDeviceFailures?: number;
  /** Failures before the exponential backoff starts (default 3), and its first delay (default 1 s, then doubling). */
  readonly freeFailures?: number;
  readonly backoffBaseMs?: number;
}

export const defaultRateLimit: RateLimit = { maxFailures: 10, windowMs: 10 * 60 * 1000 };

export interface ClaimsContext {
  readonly store: ClaimsStore;
  readonly keys: KeyCustody;
  readonly ca: CertificateAuthority;
  readonly clock: Clock;
  /** SHA-256 (hex) of the configured admin token. */
  readonly adminTokenHash: string;
  readonly scryptCost: ScryptCost;
  readonly rateLimit: RateLimit;
  readonly logger: ClaimsLogger;
  /** Whether an NS's asyncUrl may point at loopback or private addresses (`JOINERY_ALLOW_PRIVATE_ASYNC_URLS`). */
  readonly allowPrivateAsyncUrls: boolean;
  /** Publishes the outbox of these devices (publish-after-commit); failures are left to the relay's sweep. */
  readonly flushOutbox: (devEuis: readonly string[]) => Promise<void>;
}

export function requireAdmin(principal: Principal): void {
  if (principal.scope !== 'admin') throw claimsErrors.admin_only();
}

/** The account an owner acts for; admins must name one (`accountId`) where an account is needed. */
export function actingAccount(principal: Principal, accountId?: string | null): string {
  if (principal.scope === 'admin') {
    if (accountId === undefined || accountId === null || accountId === '')
      throw claimsErrors.invalid_argument({ field: 'account_id', reason: 'required for admins' });
    return accountId;
  }
  if (principal.accountId === null) throw claimsErrors.permission_denied();
  return principal.accountId;
}

export function parseDevEuiArg(value: string): string {
  const eui = normalizeEui(value);
  if (eui === null) throw claimsErrors.invalid_argument({ field: 'dev_eui', reason: 'must be 8 bytes' });
  return eui;
}

export function newDeviceEvent(devEui: string, time: Date, change: DeviceChange): DeviceEventRecord {
  return { eventId: randomUUID(), devEui, time: time.toISOString(), change };
}
