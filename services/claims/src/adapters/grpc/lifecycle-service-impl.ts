import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@joinery/grpc';
import { AppSKeyDelivery, type ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { JoinKind, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import type { Claims } from '../../domain/claims.js';
import { claimsErrors } from '../../domain/errors.js';
import type { AppSKeyDelivery as AppSKeyDeliveryName, JoinActivityRecord } from '../../domain/model.js';
import type { UpdatePeerInput } from '../../domain/peers.js';
import { issuedPeerToProto, warningsToProto } from './issued-credentials.js';
import { appSKeyDeliveryFromProto, bytesToHex, peerToProto, principalFromProto } from './mapping.js';

type LifecycleMethods = Pick<
  ServiceImpl<typeof ClaimsService>,
  'updatePeer' | 'rotatePeerCredentials' | 'revokePeer' | 'storeBundle' | 'takeBundle' | 'listJoinActivity'
>;

const kindToProto: Readonly<Record<JoinActivityRecord['kind'], JoinKind>> = {
  'join-request': JoinKind.JOIN_REQUEST,
  'rejoin-0': JoinKind.REJOIN_TYPE_0,
  'rejoin-1': JoinKind.REJOIN_TYPE_1,
  'rejoin-2': JoinKind.REJOIN_TYPE_2,
  unknown: JoinKind.UNSPECIFIED,
};

function deliveryOf(value: AppSKeyDelivery): AppSKeyDeliveryName {
  const delivery = appSKeyDeliveryFromProto(value);
  if (delivery === null)
    throw claimsErrors.invalid_argument({ field: 'app_s_key_delivery', reason: 'unknown value' });
  return delivery;
}

/** The gRPC face of the peer lifecycle (update, rotation, revocation), credential bundles and join activity. */
export function lifecycleServiceImpl(claims: Claims): LifecycleMethods {
  const { peers, bundles, activity } = claims;
  return {
    async updatePeer(req) {
      const input: UpdatePeerInput = {
        ...(req.name === undefined ? {} : { name: req.name }),
        ...(req.asyncUrl === undefined ? {} : { asyncUrl: req.asyncUrl === '' ? null : req.asyncUrl }),
        ...(req.asyncCaPem === undefined
          ? {}
          : { asyncCaPem: req.asyncCaPem === '' ? null : req.asyncCaPem }),
        ...(req.lifetime === undefined ? {} : { lifetime: req.lifetime }),
        ...(req.appSKeyDelivery === AppSKeyDelivery.UNSPECIFIED
          ? {}
          : { appSKeyDelivery: deliveryOf(req.appSKeyDelivery) }),
      };
      const { peer, warnings } = await peers.updatePeer(principalFromProto(req.principal), req.peerId, input);
      return {
        peer: peerToProto(peer),
        warnings: warningsToProto(warnings),
      };
    },
    async rotatePeerCredentials(req) {
      const r = await peers.rotateCredentials(
        principalFromProto(req.principal),
        req.peerId,
        req.overlapSeconds ?? null,
      );
      return { ...issuedPeerToProto(r), overlapUntil: timestampFromDate(r.overlapUntil) };
    },
    async revokePeer(req) {
      await peers.revokePeer(principalFromProto(req.principal), req.peerId);
      return {};
    },
    async storeBundle(req) {
      const stored = await bundles.store(principalFromProto(req.principal), req.peerId, req.archive);
      return { bundleId: stored.id, expiresAt: timestampFromDate(stored.expiresAt) };
    },
    async takeBundle(req) {
      return { archive: await bundles.take(principalFromProto(req.principal), req.peerId, req.bundleId) };
    },
    async listJoinActivity(req) {
      const items = await activity.list(principalFromProto(req.principal), bytesToHex(req.devEui), req.limit);
      return {
        items: items.map((a) => ({
          time: timestampFromDate(new Date(a.time)),
          outcome: a.accepted ? JoinOutcome.ACCEPTED : JoinOutcome.REFUSED,
          resultCode: a.resultCode,
          errorCode: a.errorCode,
          networkServerId: a.networkServerId,
          netId: a.netId,
          kind: kindToProto[a.kind],
          eventId: a.eventId,
          devNonce: a.devNonce ?? undefined,
        })),
      };
    },
  };
}
