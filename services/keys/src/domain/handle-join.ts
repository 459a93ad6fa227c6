import { isLoRaWAN11 } from '@joinery/lorawan';
import { decodeJoinRequest } from './frames.js';
import { JoinKind } from './join-event.js';
import {
  acceptJoin,
  eventFacts,
  recordingRefusals,
  requireMacVersion,
  requireMic,
  requireRootKeys,
  requestedAccept,
  requireSameDevice,
  type JoinAnswer,
  type JoinContext,
  type KeysDomainDeps,
} from './join-pipeline.js';
import { defaultJoinRetryWindowMs, joinRequestDigest } from './join-retry.js';
import { devNonceCheck } from './nonce-policy.js';

/**
 * HandleJoin: decode → MAC version → root keys → MIC → reserve (DevNonce + JoinNonce) → build accept → commit, the
 * reserve and commit in one step when the JoinNonce is known beforehand (`acceptJoin`). The identical retry of the last accepted join (inside the retry window) reserves nothing: it gets that join's
 * JoinNonce back, from which the vault re-derives the same accept, and is answered without a second session or event.
 */
export function handleJoin(deps: KeysDomainDeps, ctx: JoinContext): Promise<JoinAnswer> {
  const facts = eventFacts(ctx, JoinKind.JOIN_REQUEST, deps.clock.now());
  return recordingRefusals(deps, facts, ctx.request.protocolVersion, async () => {
    const frame = decodeJoinRequest(ctx.request.phyPayload);
    requireSameDevice(frame.devEui, ctx.device);
    const macVersion = requireMacVersion(ctx.device.macVersion);
    const devEui = ctx.device.devEui;
    await requireRootKeys(deps.vault, devEui);
    await requireMic(() => deps.vault.verifyJoinRequestMic(devEui, macVersion, ctx.request.phyPayload));
    const digest = joinRequestDigest(ctx);
    return acceptJoin(deps, {
      facts,
      joinType: 'join',
      check: devNonceCheck(macVersion, frame.devNonce, deps.config.devNonceHistorySize, {
        digest,
        now: deps.clock.now(),
        windowMs: deps.config.joinRetryWindowMs ?? defaultJoinRetryWindowMs,
      }),
      bindingId: ctx.device.bindingId,
      build: (joinNonce) =>
        deps.vault.buildJoinAccept({
          devEui,
          joinEui: frame.joinEui,
          macVersion,
          joinType: 'join',
          devNonce: frame.devNonce,
          joinNonce,
          optNeg: isLoRaWAN11(macVersion) && ctx.peer.optNegAllowed,
          ...requestedAccept(ctx, deps.config.storageKekLabel),
        }),
      retryKey: { devNonce: frame.devNonce, digest },
    });
  });
}
