import { isLoRaWAN11 } from '@joinery/lorawan';
import { keysErrors } from './errors.js';
import { decodeRejoinRequest } from './frames.js';
import { idHex } from './hex.js';
import { JoinKind } from './join-event.js';
import type { JoinType } from './key-vault.js';
import {
  acceptJoin,
  eventFacts,
  recordingRefusals,
  requireMic,
  requireRootKeys,
  requestedAccept,
  requireSameDevice,
  type JoinAnswer,
  type JoinContext,
  type KeysDomainDeps,
} from './join-pipeline.js';
import { rejoinFrameHistorySize } from './nonce-policy.js';

const kinds = { 0: JoinKind.REJOIN_TYPE_0, 1: JoinKind.REJOIN_TYPE_1, 2: JoinKind.REJOIN_TYPE_2 } as const;
const joinTypes = { 0: 'rejoin0', 1: 'rejoin1', 2: 'rejoin2' } as const satisfies Record<number, JoinType>;

/** The rejoin type from the MHDR-following byte, so the refusal event names the right kind even if decoding fails. */
function peekKind(phy: Uint8Array): JoinKind {
  const type = phy[1];
  return type === 0 || type === 1 || type === 2 ? kinds[type] : JoinKind.UNSPECIFIED;
}

/**
 * HandleRejoin (LoRaWAN 1.1 only): RJcount0 (types 0/2, restarting with every session) or RJcount1 (type 1, per
 * device, increasing) replaces the DevNonce; a type 0/2 replay is refused by frame identity (ports.ts `NonceCheck`); the type 1 MIC is checked here with JSIntKey, types 0/2 were checked by the NS with SNwkSIntKey.
 */
export function handleRejoin(
  deps: KeysDomainDeps,
  ctx: JoinContext,
): Promise<JoinAnswer & { kind: JoinKind }> {
  const facts = eventFacts(ctx, peekKind(ctx.request.phyPayload), deps.clock.now());
  return recordingRefusals(deps, facts, ctx.request.protocolVersion, async () => {
    const frame = decodeRejoinRequest(ctx.request.phyPayload);
    requireSameDevice(frame.devEui, ctx.device);
    const macVersion = ctx.device.macVersion;
    if (macVersion === undefined || !isLoRaWAN11(macVersion) || !ctx.peer.optNegAllowed)
      throw keysErrors.unsupported_mac_version({ reason: 'rejoin_requires_1_1' });
    const devEui = ctx.device.devEui;
    await requireRootKeys(deps.vault, devEui);
    if (frame.rejoinType === 1)
      await requireMic(() => deps.vault.verifyRejoinType1Mic(devEui, ctx.request.phyPayload));
    const joinType = joinTypes[frame.rejoinType];
    const answer = await acceptJoin(deps, {
      facts,
      joinType,
      check:
        frame.rejoinType === 1
          ? { kind: 'rj_count1', rjCount: frame.rjCount }
          : {
              kind: 'rj_count0',
              rjCount: frame.rjCount,
              frame: idHex(ctx.request.phyPayload),
              historySize: rejoinFrameHistorySize,
            },
      bindingId: ctx.device.bindingId,
      build: (joinNonce) =>
        deps.vault.buildJoinAccept({
          devEui,
          joinEui: frame.joinEui ?? ctx.device.joinEui,
          macVersion,
          joinType,
          devNonce: frame.rjCount,
          joinNonce,
          optNeg: true,
          ...requestedAccept(ctx, deps.config.storageKekLabel),
        }),
    });
    return { ...answer, kind: kinds[frame.rejoinType] };
  });
}
