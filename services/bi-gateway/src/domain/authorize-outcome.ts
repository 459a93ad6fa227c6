import type { ErrorFactory, JoineryError } from '@joinery/errors';
import type { DeliverySettings, PeerIdentity } from '@joinery/proto/claims/v1/claims_pb';
import { AuthorizeRefusal, type AuthorizeResponse } from '@joinery/proto/claims/v1/claims_pb';
import type { DeviceContext } from '@joinery/proto/keys/v1/keys_pb';
import { gatewayErrors } from './errors.js';

/** What claims grants an activation: the device (keys' DeviceContext) and the NS's delivery settings. */
export interface Grant {
  readonly device: DeviceContext;
  readonly delivery: DeliverySettings;
}

/** What claims' Authorize decided, as the gateway acts on it. */
export type AuthorizeVerdict =
  | (Grant & { readonly authorized: true; readonly caller: PeerIdentity })
  /** The device is refused to an authenticated NS: its rate limit and callback URL apply. */
  | { readonly authorized: false; readonly refusal: JoineryError; readonly caller: PeerIdentity }
  /** The caller itself is refused (UnknownSender), or claims could not be asked. */
  | { readonly authorized: false; readonly refusal: JoineryError; readonly caller: undefined };

/** A refusal, typed by whether the caller is known, so that checking `caller` tells the two kinds apart. */
const refused = (refusal: JoineryError, caller: PeerIdentity | undefined): AuthorizeVerdict =>
  caller === undefined ? { authorized: false, refusal, caller } : { authorized: false, refusal, caller };

/**
 * The one table from claims' refusal reasons to the gateway's refusals. Every reason about the device is the one
 * `gateway:not_authorized` (answered UnknownDevEUI, one description), so an NS cannot tell a device of another owner
 * from a locked, unclaimed or unknown one (product invariant 5).
 */
const refusalErrors: Readonly<Record<AuthorizeRefusal, ErrorFactory>> = {
  [AuthorizeRefusal.UNSPECIFIED]: gatewayErrors.incomplete_authorization,
  [AuthorizeRefusal.UNKNOWN_SENDER]: gatewayErrors.unknown_sender,
  [AuthorizeRefusal.UNKNOWN_DEVICE]: gatewayErrors.not_authorized,
  [AuthorizeRefusal.JOIN_EUI_MISMATCH]: gatewayErrors.not_authorized,
  [AuthorizeRefusal.NOT_CLAIMED]: gatewayErrors.not_authorized,
  [AuthorizeRefusal.LOCKED]: gatewayErrors.not_authorized,
  [AuthorizeRefusal.OTHER_NETWORK_SERVER]: gatewayErrors.not_authorized,
};

/** The verdict of an Authorize answer; `senderId` goes into the refusal's details. */
export function verdictOf(response: AuthorizeResponse, senderId: string): AuthorizeVerdict {
  const { outcome } = response;
  switch (outcome.case) {
    case 'authorized': {
      const { device, delivery, networkServer } = outcome.value;
      if (device === undefined || delivery === undefined || networkServer === undefined)
        return refused(gatewayErrors.incomplete_authorization(), networkServer);
      return { authorized: true, device, delivery, caller: networkServer };
    }
    case 'refused': {
      const reason = outcome.value.reason;
      const caller = reason === AuthorizeRefusal.UNKNOWN_SENDER ? undefined : outcome.value.networkServer;
      // A reason this build does not know (a newer claims) is refused as Other: it fails closed.
      const refusal = (refusalErrors[reason] ?? gatewayErrors.incomplete_authorization)({
        sender_id: senderId,
      });
      return refused(refusal, caller);
    }
    default:
      return refused(gatewayErrors.incomplete_authorization(), undefined);
  }
}
