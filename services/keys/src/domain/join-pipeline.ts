import { JoineryError } from '@joinery/errors';
import { joinFrameCounter } from '@joinery/lorawan';
import { keysErrors, joinRefusalCodes, refusalEventIdDetail } from './errors.js';
import { bytesFromHex, idHex, sameBytes } from './hex.js';
import { joinEventRecord, resultCodeFor, type JoinEventFacts, type JoinKind } from './join-event.js';
import type { JoinAcceptInput, JoinAcceptOutput, JoinType, KeyDelivery } from './key-vault.js';
import type {
  AcceptedJoin,
  Clock,
  JoinCommit,
  KeysStateStore,
  KeyVault,
  Logger,
  MacVersion,
  NonceCheck,
  ReserveOutcome,
  ReserveRefusal,
} from './ports.js';
import { newSessionKeyId } from './session-key-id.js';

/** The small steps shared by HandleJoin and HandleRejoin. Each is a plain function, tested on its own. */

export interface KeysDomainConfig {
  /** LoRaWAN 1.0.0–1.0.3 DevNonce history length (ADR 0003). */
  readonly devNonceHistorySize: number;
  /** Sessions kept per device for GetAppSKey. */
  readonly maxSessions: number;
  /** The storage KEK under which AppSKeys are kept. */
  readonly storageKekLabel: string;
  /** How long an identical JoinReq is answered again instead of refused (issue 22 #2); 60 s unless set. */
  readonly joinRetryWindowMs?: number;
}

export interface KeysDomainDeps {
  readonly vault: KeyVault;
  readonly state: KeysStateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: KeysDomainConfig;
}

export interface DeviceContext {
  readonly devEui: Uint8Array;
  readonly joinEui: Uint8Array;
  /** Undefined when the caller sent none or an unknown one. */
  readonly macVersion: MacVersion | undefined;
  readonly accountId: string;
  readonly networkServerId: string;
  /** The claim binding the device is under (claims); the session is kept with it (see `getAppSKey`). */
  readonly bindingId: string;
}

export interface JoinRequestFields {
  readonly phyPayload: Uint8Array;
  readonly devAddr: Uint8Array;
  readonly netId: Uint8Array;
  /** Empty under BI 1.0. */
  readonly nsId: Uint8Array;
  readonly dlSettings: number;
  readonly rxDelay: number;
  /** Empty when none. */
  readonly cfList: Uint8Array;
  readonly protocolVersion: string;
}

export type AppSKeyDelivery = KeyDelivery | { readonly sessionKeyIdOnly: true };

export interface PeerSettings {
  readonly nwkKeyDelivery: KeyDelivery;
  readonly appSKeyDelivery: AppSKeyDelivery;
  readonly optNegAllowed: boolean;
}

export interface JoinContext {
  readonly device: DeviceContext;
  readonly request: JoinRequestFields;
  readonly peer: PeerSettings;
}

/** The vault's join-accept and session keys as the NS gets them (the stored AppSKey stays in keys), and the join's ids. */
export interface JoinAnswer extends Omit<JoinAcceptOutput, 'storedAppSKey'> {
  readonly sessionKeyId: Uint8Array;
  readonly joinNonce: number;
  readonly eventId: string;
  /** True when this answers the identical retry of an accepted join again: no new session, no new event. */
  readonly retried: boolean;
}

export function eventFacts(ctx: JoinContext, kind: JoinKind, now: number): JoinEventFacts {
  return {
    devEui: idHex(ctx.device.devEui),
    joinEui: ctx.device.joinEui,
    kind,
    accountId: ctx.device.accountId,
    networkServerId: ctx.device.networkServerId,
    netId: ctx.request.netId,
    nsId: ctx.request.nsId,
    macVersion: ctx.device.macVersion ?? '',
    devNonce: joinFrameCounter(ctx.request.phyPayload),
    time: now,
  };
}

/**
 * Runs a join pipeline and, when it ends in one of the catalogued refusals, appends a REFUSED JoinEvent (no nonce
 * state changes on that path) before rethrowing. Internal failures (vault or store down) record nothing. A refusal
 * that was recorded is rethrown with its `event_id` in the details: that is how a caller (the gateway) knows the
 * refusal is in the join stream, and records every other failure itself.
 */
export async function recordingRefusals<T>(
  deps: KeysDomainDeps,
  facts: JoinEventFacts,
  protocolVersion: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof JoineryError) || !joinRefusalCodes.has(err.code)) throw err;
    const { eventId, event } = joinEventRecord(facts, {
      accepted: false,
      errorCode: err.code,
      resultCode: resultCodeFor(err.code, protocolVersion),
    });
    let recorded = false;
    try {
      await deps.state.appendEvent(facts.devEui, event);
      recorded = true;
    } catch (appendErr) {
      deps.logger.error(
        { err: appendErr, dev_eui: facts.devEui, event_id: eventId },
        'could not record join refusal',
      );
    }
    deps.logger.warn(
      { dev_eui: facts.devEui, error_code: err.code, event_id: eventId, ...err.details },
      'join refused',
    );
    if (!recorded) throw err;
    throw new JoineryError(err.code, err.kind, err.message, {
      details: { ...err.details, [refusalEventIdDetail]: eventId },
      cause: err,
    });
  }
}

export function requireSameDevice(frameDevEui: Uint8Array, ctx: DeviceContext): void {
  if (!sameBytes(frameDevEui, ctx.devEui)) throw keysErrors.malformed_frame({ reason: 'dev_eui_mismatch' });
}

export function requireMacVersion(version: MacVersion | undefined): MacVersion {
  if (version === undefined) throw keysErrors.unsupported_mac_version();
  return version;
}

export async function requireRootKeys(vault: KeyVault, devEui: Uint8Array): Promise<void> {
  if (!(await vault.hasRootKeys(devEui))) throw keysErrors.unknown_device();
}

/** A bad MIC changes no state. */
export async function requireMic(verify: () => Promise<boolean>): Promise<void> {
  if (!(await verify())) throw keysErrors.mic_failed();
}

/** How long a JoinReq waits for the identical one in flight elsewhere to commit, polling every 20 ms. */
const pendingRetryWaitMs = 1_000;
const pendingRetryPollMs = 20;

/**
 * The reserve step (nonce check per policy + JoinNonce increment, persisted before any answer exists), telling a
 * retry of the last accepted join (see `JoinRetryProbe`) apart.
 */
export async function reserveJoin(
  state: KeysStateStore,
  devEui: string,
  check: NonceCheck,
): Promise<Extract<ReserveOutcome, { ok: true }>> {
  let outcome = await state.reserve(devEui, check);
  // The same JoinReq in flight through another gateway replica: wait for its commit and answer as its retry.
  for (let waited = 0; !outcome.ok && outcome.pendingRetry === true && waited < pendingRetryWaitMs;) {
    await new Promise((resolve) => setTimeout(resolve, pendingRetryPollMs));
    waited += pendingRetryPollMs;
    outcome = await state.reserve(devEui, check);
  }
  if (outcome.ok) return outcome;
  throw refusalError(outcome.refusal, check);
}

function refusalError(refusal: ReserveRefusal, check: NonceCheck): JoineryError {
  return keysErrors[refusal](
    check.kind === 'dev_nonce' ? { dev_nonce: check.devNonce } : { rj_count: check.rjCount },
  );
}

/**
 * The part of the vault's join-accept input that joins and rejoins take alike: the accept's fields as the NS asked
 * for them, the peer's key delivery, and the storage KEK that keeps the AppSKey.
 */
export function requestedAccept(
  ctx: JoinContext,
  storageKekLabel: string,
): Pick<
  JoinAcceptInput,
  | 'netId'
  | 'devAddr'
  | 'dlSettings'
  | 'rxDelay'
  | 'cfList'
  | 'nwkKeyDelivery'
  | 'appSKeyDelivery'
  | 'storageKekLabel'
> {
  const { request, peer } = ctx;
  const app = peer.appSKeyDelivery;
  return {
    netId: request.netId,
    devAddr: request.devAddr,
    dlSettings: request.dlSettings,
    rxDelay: request.rxDelay,
    ...(request.cfList.length === 0 ? {} : { cfList: request.cfList }),
    nwkKeyDelivery: peer.nwkKeyDelivery,
    ...('sessionKeyIdOnly' in app ? {} : { appSKeyDelivery: app }),
    storageKekLabel,
  };
}

/** A join or rejoin whose MIC and device checked out, from its nonce check to its kept session and event. */
export interface JoinPlan {
  readonly facts: JoinEventFacts;
  readonly joinType: JoinType;
  readonly check: NonceCheck;
  readonly bindingId: string;
  /** The vault's accept for a JoinNonce: the same JoinNonce always gives the same bytes and keys. */
  readonly build: (joinNonce: number) => Promise<JoinAcceptOutput>;
  /** For a JoinReq: kept as the device's last accepted join, so that its identical retry is answered again. */
  readonly retryKey?: { readonly devNonce: number; readonly digest: string };
}

/**
 * Accepts a join, or answers it as a retry, or throws its refusal. When the store can guess the JoinNonce the join
 * will get, the accept is built with it first and checked and committed in one atomic step (`commitJoin`: one Redis
 * round trip or LMDB transaction instead of two); a stale guess (another join of the device came first) is tried
 * once more with the stored JoinNonce the store answered. Otherwise the two steps: reserve, build, commit. Either
 * way the state changes only once the check passed, and the answer, session and event are those of the JoinNonce.
 */
export async function acceptJoin(deps: KeysDomainDeps, plan: JoinPlan): Promise<JoinAnswer> {
  const { state } = deps;
  const devEui = plan.facts.devEui;
  let guess = state.guessJoinNonce(devEui, plan.check);
  for (let attempt = 0; guess !== undefined && attempt < 2; attempt++) {
    const joinNonce: number = guess;
    const accept = await plan.build(joinNonce);
    const kept = keptJoin(deps, plan, joinNonce, accept);
    const outcome = await state.commitJoin(devEui, plan.check, kept.commit);
    switch (outcome.kind) {
      case 'committed':
        return acceptedAnswer(deps, plan, joinNonce, accept, kept);
      case 'stale':
        guess = outcome.joinNonce + 1;
        break;
      case 'retry':
        return retryAnswer(
          deps,
          plan.facts,
          outcome.joinNonce,
          await plan.build(outcome.joinNonce),
          outcome.retryOf,
        );
      case 'refused':
        // The identical JoinReq in flight elsewhere: `reserveJoin` waits for it.
        if (outcome.pendingRetry !== true) throw refusalError(outcome.refusal, plan.check);
        guess = undefined;
    }
  }
  const reserved = await reserveJoin(state, devEui, plan.check);
  const accept = await plan.build(reserved.joinNonce);
  if (reserved.retryOf !== undefined)
    return retryAnswer(deps, plan.facts, reserved.joinNonce, accept, reserved.retryOf);
  const kept = keptJoin(deps, plan, reserved.joinNonce, accept);
  const { session, maxSessions, event, accepted } = kept.commit;
  await state.commitSession(devEui, session, maxSessions, event, accepted);
  return acceptedAnswer(deps, plan, reserved.joinNonce, accept, kept);
}

interface KeptJoin {
  readonly commit: JoinCommit;
  readonly sessionKeyId: Uint8Array;
  readonly eventId: string;
}

/** The session kept for GetAppSKey, the ACCEPTED event and the last accepted join, for an accept of `joinNonce`. */
function keptJoin(
  deps: KeysDomainDeps,
  plan: JoinPlan,
  joinNonce: number,
  accept: JoinAcceptOutput,
): KeptJoin {
  const now = deps.clock.now();
  const sessionKeyId = newSessionKeyId(now);
  const sessionKeyIdHex = idHex(sessionKeyId);
  const { eventId, event } = joinEventRecord(plan.facts, { accepted: true, joinNonce, sessionKeyId });
  const accepted: AcceptedJoin | undefined =
    plan.retryKey === undefined
      ? undefined
      : { ...plan.retryKey, joinNonce, sessionKeyId: sessionKeyIdHex, eventId, at: now };
  return {
    commit: {
      session: {
        sessionKeyId: sessionKeyIdHex,
        joinNonce,
        storageKekLabel: deps.config.storageKekLabel,
        storedAppSKey: accept.storedAppSKey,
        bindingId: plan.bindingId,
        createdAt: now,
      },
      maxSessions: deps.config.maxSessions,
      event,
      ...(accepted === undefined ? {} : { accepted }),
    },
    sessionKeyId,
    eventId,
  };
}

function acceptedAnswer(
  deps: KeysDomainDeps,
  plan: JoinPlan,
  joinNonce: number,
  accept: JoinAcceptOutput,
  kept: KeptJoin,
): JoinAnswer {
  deps.logger.info(
    {
      dev_eui: plan.facts.devEui,
      join_type: plan.joinType,
      join_nonce: joinNonce,
      session_key_id: kept.commit.session.sessionKeyId,
      event_id: kept.eventId,
    },
    'join accepted',
  );
  return answerOf(accept, kept.sessionKeyId, joinNonce, kept.eventId, false);
}

/**
 * The identical retry of the last accepted join: the accept was re-derived from the same JoinNonce (the same bytes
 * and keys); the session and its ACCEPTED event exist already, so nothing is stored or counted again.
 */
export function retryAnswer(
  deps: KeysDomainDeps,
  facts: JoinEventFacts,
  joinNonce: number,
  accept: JoinAcceptOutput,
  retryOf: { sessionKeyId: string; eventId: string },
): JoinAnswer {
  deps.logger.info(
    {
      dev_eui: facts.devEui,
      join_nonce: joinNonce,
      session_key_id: retryOf.sessionKeyId,
      event_id: retryOf.eventId,
    },
    'join retry answered again',
  );
  return answerOf(accept, bytesFromHex(retryOf.sessionKeyId), joinNonce, retryOf.eventId, true);
}

function answerOf(
  accept: JoinAcceptOutput,
  sessionKeyId: Uint8Array,
  joinNonce: number,
  eventId: string,
  retried: boolean,
): JoinAnswer {
  return {
    joinAcceptPhy: accept.joinAcceptPhy,
    ...(accept.nwkSKey === undefined ? {} : { nwkSKey: accept.nwkSKey }),
    ...(accept.fNwkSIntKey === undefined ? {} : { fNwkSIntKey: accept.fNwkSIntKey }),
    ...(accept.sNwkSIntKey === undefined ? {} : { sNwkSIntKey: accept.sNwkSIntKey }),
    ...(accept.nwkSEncKey === undefined ? {} : { nwkSEncKey: accept.nwkSEncKey }),
    ...(accept.appSKey === undefined ? {} : { appSKey: accept.appSKey }),
    sessionKeyId,
    joinNonce,
    eventId,
    retried,
  };
}
