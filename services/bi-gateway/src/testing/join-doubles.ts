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

/** Claims' answer authorizing the request's device (LoRaWAN 1.0.3) for NS `ns-1` of account `a`. */
export function authorizedForNs(
  request: Pick<AuthorizeRequest, 'devEui' | 'joinEui'>,
): MessageInitShape<typeof AuthorizeResponseSchema> {
  return {
    outcome: {
      case: 'authorized',
      value: {
        device: {
          devEui: request.devEui,
          joinEui: request.joinEui,
          macVersion: '1.0.3',
          accountId: 'a',
          networkServerId: 'ns-1',
        },
        networkServer: {
          peerId: 'ns-1',
          kind: PeerKind.NETWORK_SERVER,
          accountId: 'a',
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
