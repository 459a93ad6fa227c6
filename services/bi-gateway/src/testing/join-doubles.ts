// Claims and keys doubles for the gateway's edge tests and the overload bench: a complete service from the methods a
// test needs, an Authorize that authorizes every device for one NS, and a JoinAns-ready HandleJoin answer.
import type { DescService, MessageInitShape } from '@bufbuild/protobuf';
import { JoineryError } from '@joinery/errors';
import type { ServiceImpl } from '@joinery/grpc';
import {
  AppSKeyDelivery,
  PeerKind,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type PeerIdentitySchema,
} from '@joinery/proto/claims/v1/claims_pb';
import type { HandleJoinResponseSchema } from '@joinery/proto/keys/v1/keys_pb';

/** `impl` with every other method of `service` failing as `<namespace>:unimplemented`. */
export function partialService<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
  namespace = 'test',
): ServiceImpl<S> {
  const full: Record<string, unknown> = { ...impl };
  for (const method of service.methods)
    full[method.localName] ??= async () => {
      throw new JoineryError(`${namespace}:unimplemented`, 'internal', method.localName);
    };
  return full as ServiceImpl<S>;
}

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** What a test changes of `authorizedForNs`'s answer; each field left out keeps its default. */
export interface AuthorizedOverrides {
  /** The device's LoRaWAN version: 1.0.3 by default. */
  readonly macVersion?: string | undefined;
  /** The device's account, and by default its NS's: `a`. */
  readonly accountId?: string | undefined;
  /** The authorized NS as claims knows it: by default `ns-1` of the account, NetID 00000A. */
  readonly networkServer?: MessageInitShape<typeof PeerIdentitySchema> | undefined;
  /** Delivery settings over the defaults (NwkSKey under `ns-kek`, the AppSKey wrapped under `as-kek`, no lifetime). */
  readonly delivery?:
    | { readonly appSKeyDelivery?: AppSKeyDelivery; readonly lifetime?: number; readonly asyncUrl?: string }
    | undefined;
}

/** Claims' answer authorizing the request's device (LoRaWAN 1.0.3) for NS `ns-1` of account `a`, or as overridden. */
export function authorizedForNs(
  request: Pick<AuthorizeRequest, 'devEui' | 'joinEui'>,
  overrides: AuthorizedOverrides = {},
): MessageInitShape<typeof AuthorizeResponseSchema> {
  const accountId = overrides.accountId ?? 'a';
  return {
    outcome: {
      case: 'authorized',
      value: {
        device: {
          devEui: request.devEui,
          joinEui: request.joinEui,
          macVersion: overrides.macVersion ?? '1.0.3',
          accountId,
          networkServerId: 'ns-1',
        },
        networkServer: overrides.networkServer ?? {
          peerId: 'ns-1',
          kind: PeerKind.NETWORK_SERVER,
          accountId,
          netId: hex('00000A'),
          nsId: new Uint8Array(),
          asyncUrl: '',
        },
        delivery: {
          nwkKekLabel: 'ns-kek',
          appSKeyDelivery: AppSKeyDelivery.WRAPPED,
          appSKeyKekLabel: 'as-kek',
          lifetime: 0,
          asyncUrl: '',
          ...overrides.delivery,
        },
      },
    },
  };
}

/** A HandleJoin answer the gateway turns into a well-formed JoinAns (the keys are not real ones). */
export const acceptedJoin = (): MessageInitShape<typeof HandleJoinResponseSchema> => ({
  joinAcceptPhy: hex('20' + 'ab'.repeat(16)),
  nwkSKey: { kekLabel: 'ns-kek', key: hex('11'.repeat(24)) },
  appSKey: { kekLabel: 'as-kek', key: hex('22'.repeat(24)) },
  sessionKeyId: hex('0190F1A2B3C4D5E6F708192A3B4C5D6E'),
  joinNonce: 1,
});
