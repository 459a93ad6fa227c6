import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { JoineryError } from '@joinery/errors';
import { createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import {
  AppSKeyDelivery,
  AuthorizeRefusal,
  ClaimsService,
  PeerKind,
  type PeerCredential,
} from '@joinery/proto/claims/v1/claims_pb';
import type { MacVersion } from '@joinery/lorawan';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { BiHandler, type BiOutcome } from './bi-handler.js';
import type { AsyncAnswerSender } from './ports.js';
import { testHandlerOptions } from '../testing/handler-options.js';
import { authorizedForNs, partialService } from '../testing/join-doubles.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const TOKEN = 'ns-token';

interface FakeOptions {
  netId?: string;
  nsId?: string;
  authorize?: () => never | void;
  keys?: () => Promise<void>;
  appSKeyDelivery?: AppSKeyDelivery;
  asyncUrl?: string;
  macVersion?: MacVersion;
  /** Flip to true to revoke the NS's token: claims then neither authenticates nor authorizes it. */
  revoked?: { value: boolean };
  /** Claims refuses HomeNSReq (the sender is not the device's NS). */
  noRoaming?: boolean;
  /** The NS's registered callback URL, as claims reports it when authenticating the NS. */
  peerAsyncUrl?: string;
  /** Authenticate the credential as this AS (AS-ID) instead of an NS. */
  asId?: string;
  /**
   * A fake clock for the handler (admission, deadlines); the fakes may move it. `cpuMs`, the process's CPU time, moves
   * with `now` unless given: the gateway busy all the time.
   */
  clock?: { now: number; cpuMs?: number };
  /** Runs before keys records a refusal; throw to make RecordRefusal fail. */
  recordRefusal?: () => Promise<void>;
}

function setup(
  options: FakeOptions = {},
  handlerOptions: Partial<ConstructorParameters<typeof BiHandler>[0]['options']> = {},
) {
  const calls = {
    handleJoin: 0,
    handleRejoin: 0,
    recordRefusal: [] as string[],
    /** The accountId and networkServerId of each recorded refusal, as `account/ns`. */
    refusalOwners: [] as string[],
    /** The DevNonce of each recorded refusal (undefined: none). */
    refusalNonces: [] as (number | undefined)[],
    authorize: 0,
    authenticatePeer: 0,
  };
  /** The peer of the request's credential, as claims knows it; undefined for an unknown or revoked one. */
  const peerOf = (credential: PeerCredential | undefined) =>
    credential?.credential.case !== 'bearerToken' ||
    credential.credential.value !== TOKEN ||
    options.revoked?.value === true
      ? undefined
      : {
          peerId: 'ns-1',
          kind: options.asId === undefined ? PeerKind.NETWORK_SERVER : PeerKind.APPLICATION_SERVER,
          asId: options.asId ?? '',
          accountId: 'acc-1',
          netId: hex(options.netId ?? '00000A'),
          nsId: options.nsId === undefined ? new Uint8Array() : hex(options.nsId),
          asyncUrl: options.peerAsyncUrl ?? '',
        };
  const claimsImpl = partialService(ClaimsService, {
    async authenticatePeer(request) {
      calls.authenticatePeer += 1;
      const peer = peerOf(request.credential);
      if (peer === undefined) throw new JoineryError('claims:unauthenticated', 'unauthenticated', 'unknown');
      return { peer };
    },
    async authorize(request) {
      calls.authorize += 1;
      // As claims does: the caller is the NS of the credential, with the SenderID (and any SenderNSID) it registered.
      const peer = peerOf(request.credential);
      const nsIdMatches =
        peer === undefined ||
        peer.nsId.length === 0 ||
        request.senderNsId.length === 0 ||
        Buffer.from(peer.nsId).equals(request.senderNsId);
      if (
        peer === undefined ||
        peer.kind !== PeerKind.NETWORK_SERVER ||
        !Buffer.from(peer.netId).equals(request.senderNetId) ||
        !nsIdMatches
      )
        return { outcome: { case: 'refused', value: { reason: AuthorizeRefusal.UNKNOWN_SENDER } } };
      try {
        options.authorize?.();
      } catch (err) {
        const reason = JoineryError.is(err, 'claims:unknown_device')
          ? AuthorizeRefusal.UNKNOWN_DEVICE
          : JoineryError.is(err, 'claims:not_authorized')
            ? AuthorizeRefusal.OTHER_NETWORK_SERVER
            : undefined;
        if (reason === undefined) throw err;
        return { outcome: { case: 'refused', value: { reason, networkServer: peer } } };
      }
      return authorizedForNs(request, {
        macVersion: options.macVersion,
        accountId: 'acc-1',
        networkServer: peer,
        delivery: {
          appSKeyDelivery: options.appSKeyDelivery ?? AppSKeyDelivery.WRAPPED,
          lifetime: 3600,
          asyncUrl: options.asyncUrl ?? '',
        },
      });
    },
    async authorizeApplicationServer() {
      throw new JoineryError('claims:not_authorized', 'permission_denied', 'no');
    },
    async getHomeNetwork() {
      if (options.noRoaming === true)
        throw new JoineryError('claims:no_roaming_agreement', 'permission_denied', 'no roaming agreement');
      return { netId: hex('00000A'), nsId: new Uint8Array() };
    },
  });
  const keysImpl = partialService(KeysService, {
    async handleJoin(request) {
      calls.handleJoin += 1;
      await options.keys?.();
      assert.equal(request.peer?.nwkKeyDelivery?.method.case, 'kekLabel');
      const nwkKeys =
        request.device?.macVersion === '1.1'
          ? {
              fNwkSIntKey: { kekLabel: 'ns-kek', key: hex('33'.repeat(24)) },
              sNwkSIntKey: { kekLabel: 'ns-kek', key: hex('44'.repeat(24)) },
              nwkSEncKey: { kekLabel: 'ns-kek', key: hex('55'.repeat(24)) },
            }
          : { nwkSKey: { kekLabel: 'ns-kek', key: hex('11'.repeat(24)) } };
      return {
        joinAcceptPhy: hex('20' + 'ab'.repeat(16)),
        ...nwkKeys,
        appSKey:
          options.appSKeyDelivery === AppSKeyDelivery.SESSION_KEY_ID
            ? undefined
            : options.appSKeyDelivery === AppSKeyDelivery.PLAINTEXT
              ? { kekLabel: '', key: hex('22'.repeat(16)) }
              : { kekLabel: 'as-kek', key: hex('22'.repeat(24)) },
        sessionKeyId: hex('0102030405060708'),
        joinNonce: 7,
      };
    },
    async handleRejoin() {
      calls.handleRejoin += 1;
      return {
        joinAcceptPhy: hex('20' + 'cd'.repeat(16)),
        fNwkSIntKey: { kekLabel: 'ns-kek', key: hex('33'.repeat(24)) },
        sNwkSIntKey: { kekLabel: 'ns-kek', key: hex('44'.repeat(24)) },
        nwkSEncKey: { kekLabel: 'ns-kek', key: hex('55'.repeat(24)) },
        appSKey: { kekLabel: 'as-kek', key: hex('22'.repeat(24)) },
        sessionKeyId: hex('0102030405060709'),
        joinNonce: 8,
      };
    },
    async recordRefusal(request) {
      await options.recordRefusal?.();
      calls.recordRefusal.push(request.event?.errorCode ?? '');
      calls.refusalOwners.push(`${request.event?.accountId}/${request.event?.networkServerId}`);
      calls.refusalNonces.push(request.event?.devNonce);
      return { eventId: 'e' };
    },
  });
  const sent: { url: string; answer: unknown }[] = [];
  const asyncSender: AsyncAnswerSender = {
    async send(url, answer) {
      sent.push({ url, answer });
    },
  };
  const logs = captureLogs();
  const handler = new BiHandler({
    claims: createInProcessClient(ClaimsService, claimsImpl),
    keys: createInProcessClient(KeysService, keysImpl),
    logger: logs.logger,
    asyncSender,
    ...(options.clock === undefined
      ? {}
      : { now: () => options.clock!.now, cpuTimeMs: () => options.clock!.cpuMs ?? options.clock!.now }),
    options: { ...testHandlerOptions, ...handlerOptions },
  });
  return { handler, calls, sent, logs };
}

function answerOf(outcome: BiOutcome): Record<string, unknown> {
  assert.equal(outcome.status, 200);
  assert.ok(outcome.body !== undefined);
  return outcome.body as unknown as Record<string, unknown>;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (const until = Date.now() + 5000; !condition();) {
    if (Date.now() > until) assert.fail('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const resultCode = (outcome: BiOutcome) => (answerOf(outcome)['Result'] as { ResultCode: string }).ResultCode;

describe('BiHandler JoinReq', () => {
  test('answers a TTS BI 1.0 JoinReq with the keys service result and the header rules', async () => {
    const { handler, calls } = setup();
    const outcome = await handler.handle(
      { ...requests.ttsBi10JoinReq, SenderToken: 'AB01' },
      { bearerToken: TOKEN },
    );
    const answer = answerOf(outcome);
    assert.equal(resultCode(outcome), 'Success');
    assert.equal(answer['MessageType'], 'JoinAns');
    assert.equal(answer['ProtocolVersion'], '1.0');
    assert.equal(answer['TransactionID'], 0);
    assert.equal(answer['SenderID'], '00005EEF10000001');
    assert.equal(answer['ReceiverID'], '00000A');
    assert.equal(answer['ReceiverToken'], 'AB01');
    assert.equal(answer['PHYPayload'], '20' + 'AB'.repeat(16));
    assert.equal(answer['Lifetime'], 3600);
    assert.deepEqual(answer['NwkSKey'], { KEKLabel: 'ns-kek', AESKey: '11'.repeat(24) });
    assert.deepEqual(answer['AppSKey'], { KEKLabel: 'as-kek', AESKey: '22'.repeat(24) });
    assert.equal(answer['SessionKeyID'], '0102030405060708');
    assert.equal(calls.handleJoin, 1);
    // The metrics label: the registered NetID of the authenticated NS.
    assert.equal(outcome.netId, '00000A');
  });

  test('plaintext AppSKey delivery omits the SessionKeyID (ChirpStack keeps decrypting)', async () => {
    const { handler } = setup({ appSKeyDelivery: AppSKeyDelivery.PLAINTEXT });
    const answer = answerOf(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }));
    assert.deepEqual(answer['AppSKey'], { KEKLabel: '', AESKey: '22'.repeat(16) });
    assert.equal(answer['SessionKeyID'], undefined);
  });

  test('session-key-id delivery sends the SessionKeyID and no AppSKey', async () => {
    const { handler } = setup({ appSKeyDelivery: AppSKeyDelivery.SESSION_KEY_ID });
    const answer = answerOf(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }));
    assert.equal(answer['AppSKey'], undefined);
    assert.equal(answer['SessionKeyID'], '0102030405060708');
  });

  test('a SenderID that is not the authenticated NetID is UnknownSender and is recorded', async () => {
    const { handler, calls } = setup({ netId: '00000B' });
    const outcome = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    assert.equal(resultCode(outcome), 'UnknownSender');
    assert.equal(calls.handleJoin, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls.recordRefusal, ['gateway:unknown_sender']);
  });

  test('a BI 1.1 SenderNSID that is not the registered NSID is UnknownSender', async () => {
    const { handler } = setup({
      netId: '000013',
      nsId: '00005EEF10000999',
      macVersion: '1.1',
    });
    const outcome = await handler.handle(requests.ttsBi11JoinReq, { bearerToken: TOKEN });
    assert.equal(resultCode(outcome), 'UnknownSender');
  });

  test('a BI 1.1 SenderNSID from an NS registered without an NSID is accepted (TTS sends one with every JoinReq)', async () => {
    const { handler, calls } = setup({ netId: '000013', macVersion: '1.1' });
    const outcome = await handler.handle(requests.ttsBi11JoinReq, { bearerToken: TOKEN });
    assert.equal(resultCode(outcome), 'Success');
    assert.equal(answerOf(outcome)['ReceiverNSID'], requests.ttsBi11JoinReq.SenderNSID);
    assert.equal(calls.handleJoin, 1);
  });

  test('unknown credentials are UnknownSender; no credential at all too', async () => {
    const { handler } = setup();
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: 'nope' })),
      'UnknownSender',
    );
    assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, {})), 'UnknownSender');
  });

  test('a busy NS is authorized with one claims call per join, never authenticated separately', async () => {
    const { handler, calls } = setup();
    for (let i = 0; i < 3; i += 1)
      assert.equal(
        resultCode(
          await handler.handle({ ...requests.ttsBi10JoinReq, TransactionID: i }, { bearerToken: TOKEN }),
        ),
        'Success',
      );
    assert.equal(calls.authenticatePeer, 0);
    assert.equal(calls.authorize, 3);
  });

  test('a credential revoked between two joins is UnknownSender at once', async () => {
    const revoked = { value: false };
    const { handler, calls } = setup({ revoked });
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })),
      'Success',
    );
    revoked.value = true;
    const body = { ...requests.ttsBi10JoinReq, TransactionID: 9 };
    assert.equal(resultCode(await handler.handle(body, { bearerToken: TOKEN })), 'UnknownSender');
    assert.equal(resultCode(await handler.handle(body, { bearerToken: TOKEN })), 'UnknownSender');
    assert.deepEqual([calls.authenticatePeer, calls.authorize, calls.handleJoin], [0, 3, 1]);
  });

  test('a device the NS may not activate is UnknownDevEUI, indistinguishable from an unknown device', async () => {
    const { handler, calls } = setup({
      authorize: () => {
        throw new JoineryError('claims:not_authorized', 'permission_denied', 'no');
      },
    });
    const answer = answerOf(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }));
    assert.equal((answer['Result'] as { ResultCode: string }).ResultCode, 'UnknownDevEUI');
    assert.equal(answer['PHYPayload'], undefined);
    assert.equal(calls.handleJoin, 0);
  });

  for (const [code, v10] of [
    ['keys:mic_failed', 'MICFailed'],
    ['keys:dev_nonce_replayed', 'JoinReqFailed'],
    ['keys:unknown_device', 'UnknownDevEUI'],
  ] as const) {
    test(`${code} from keys is answered ${v10} under BI 1.0`, async () => {
      const { handler } = setup({
        keys: async () => {
          throw new JoineryError(code, 'permission_denied', 'refused');
        },
      });
      assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })), v10);
    });
  }

  test('a duplicate JoinReq (same DevEUI, PHYPayload, sender) gets the same answer without a second join', async () => {
    const { handler, calls } = setup();
    const [a, b] = await Promise.all([
      handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }),
      handler.handle({ ...requests.ttsBi10JoinReq, TransactionID: 5 }, { bearerToken: TOKEN }),
    ]);
    const c = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    assert.equal(calls.handleJoin, 1);
    assert.equal(answerOf(a)['PHYPayload'], answerOf(b)['PHYPayload']);
    assert.equal(answerOf(b)['TransactionID'], 5);
    assert.deepEqual(answerOf(c), answerOf(a));
  });

  test('a second JoinReq with the same PHYPayload but another DevAddr is not answered from the cache', async () => {
    const { handler, calls } = setup({
      keys: async () => {
        if (calls.handleJoin > 1)
          throw new JoineryError('keys:dev_nonce_replayed', 'invalid_argument', 'replayed');
      },
    });
    const first = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    assert.equal(resultCode(first), 'Success');
    for (const change of [{ DevAddr: '01ABCDEF' }, { RxDelay: 5 }, { CFList: '00'.repeat(16) }]) {
      const other = await handler.handle({ ...requests.ttsBi10JoinReq, ...change }, { bearerToken: TOKEN });
      assert.equal(resultCode(other), 'JoinReqFailed', JSON.stringify(change));
      assert.equal(answerOf(other)['PHYPayload'], undefined);
    }
    assert.equal(calls.handleJoin, 4);
    // An identical retry still gets the identical accept, with its own TransactionID.
    const retry = await handler.handle(
      { ...requests.ttsBi10JoinReq, TransactionID: 77 },
      { bearerToken: TOKEN },
    );
    assert.deepEqual(answerOf(retry), { ...answerOf(first), TransactionID: 77 });
    assert.equal(calls.handleJoin, 4);
  });

  test('refusals from keys are not cached: the next identical request is handled again', async () => {
    let fail = true;
    const { handler, calls } = setup({
      keys: async () => {
        if (fail) throw new JoineryError('grpc:unavailable', 'unavailable', 'down');
      },
    });
    assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })), 'Other');
    fail = false;
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })),
      'Success',
    );
    assert.equal(calls.handleJoin, 2);
  });

  test('overload: past maxInFlight new requests are refused at once with a well-formed answer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { handler } = setup({ keys: () => gate }, { maxInFlight: 1 });
    const first = handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await handler.handle(
      { ...requests.ttsBi10JoinReq, DevEUI: '00005EEF10000A01' },
      { bearerToken: TOKEN },
    );
    assert.equal(resultCode(second), 'Other');
    assert.equal(
      (answerOf(second)['Result'] as { Description?: string }).Description,
      'the join server is overloaded; retry later',
    );
    release();
    assert.equal(resultCode(await first), 'Success');
  });

  test('keys is not called when too little of the deadline is left: a refusal, no JoinNonce spent', async () => {
    const clock = { now: 10_000 };
    for (const asyncUrl of ['', 'https://ns.example/async']) {
      const { handler, calls, sent } = setup(
        { clock, asyncUrl, peerAsyncUrl: asyncUrl, authorize: () => void (clock.now += 950) },
        { deadlineMs: 1000, minKeysBudgetMs: 100 },
      );
      const outcome = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
      const answer =
        asyncUrl === '' ? answerOf(outcome) : (await waitFor(() => sent.length === 1), sent[0]?.answer);
      assert.deepEqual((answer as { Result: unknown }).Result, {
        ResultCode: 'Other',
        Description: 'the join server could not answer in time; retry later',
      });
      assert.equal(calls.handleJoin, 0, asyncUrl);
      await waitFor(() => calls.recordRefusal.length === 1);
      assert.deepEqual(calls.recordRefusal, ['gateway:deadline_exceeded']);
    }
  });

  test('the deadline counts from arrival: a request that waited in the queue is refused before claims or keys', async () => {
    const clock = { now: 10_000 };
    const { handler, calls } = setup({ clock }, { maxQueueAgeMs: 200 });
    const ticket = handler.admission.arrive();
    clock.now += 201;
    const outcome = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }, ticket);
    ticket.release();
    assert.deepEqual(answerOf(outcome)['Result'], {
      ResultCode: 'Other',
      Description: 'the join server is overloaded; retry later',
    });
    assert.deepEqual([calls.authenticatePeer, calls.authorize, calls.handleJoin], [0, 0, 0]);
    // Handled in time, the same request goes through.
    const fresh = handler.admission.arrive();
    clock.now += 200;
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }, fresh)),
      'Success',
    );
    fresh.release();
  });

  test('a request that waited while the gateway did not run (the machine busy with other processes) is not refused', async () => {
    const clock = { now: 10_000, cpuMs: 500 };
    const { handler, calls } = setup({ clock }, { maxQueueAgeMs: 200 });
    const ticket = handler.admission.arrive();
    // 600 ms before it is handled, of which the gateway ran for 50: nothing of its own stood in front of it.
    clock.now += 600;
    clock.cpuMs += 50;
    const outcome = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }, ticket);
    ticket.release();
    assert.equal(resultCode(outcome), 'Success');
    assert.equal(calls.handleJoin, 1);
    // 201 ms of the gateway's own work in 300 ms: a queue.
    const queued = handler.admission.arrive();
    clock.now += 300;
    clock.cpuMs += 201;
    const refused = await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }, queued);
    queued.release();
    assert.equal(resultCode(refused), 'Other');
    assert.equal(calls.handleJoin, 1);
  });

  test('a request refused on arrival (too many in flight) is answered without claims or keys', async () => {
    const clock = { now: 10_000 };
    const { handler, calls } = setup({ clock }, { maxInFlight: 1 });
    const busy = handler.admission.arrive();
    const refused = handler.admission.arrive();
    assert.equal(refused.admitted, false);
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }, refused)),
      'Other',
    );
    assert.deepEqual([calls.authenticatePeer, calls.handleJoin], [0, 0]);
    busy.release();
  });

  test('the internal deadline answers Other instead of waiting for a stuck keys service', async () => {
    const { handler } = setup(
      { keys: () => new Promise((resolve) => setTimeout(resolve, 500)) },
      { deadlineMs: 50 },
    );
    assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })), 'Other');
  });

  test('refused joins keys did not write are recorded by the gateway: rate limit, keys unreachable, store down', async () => {
    const { handler, calls } = setup(
      {
        keys: async () => {
          throw new JoineryError('grpc:unavailable', 'unavailable', 'connection refused');
        },
      },
      { peerRatePerSecond: 1, peerBurst: 1 },
    );
    assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })), 'Other');
    assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })), 'Other');
    await waitFor(() => calls.recordRefusal.length === 2 && handler.refusalsPending === 0);
    assert.deepEqual(calls.recordRefusal, ['grpc:unavailable', 'gateway:rate_limited']);
    // keys was reached through claims' authorization: the event names the device's owner and NS.
    assert.deepEqual(calls.refusalOwners, ['acc-1/ns-1', '/']);
    // The DevNonce of the parsed JoinReq (2E1F on the air) goes with each.
    assert.deepEqual(calls.refusalNonces, [0x1f2e, 0x1f2e]);
  });

  test('a refusal keys wrote itself (event_id in its details) is not recorded twice; one it could not write is', async () => {
    let details: Record<string, string> = { event_id: '42' };
    const { handler, calls } = setup({
      keys: async () => {
        throw new JoineryError('keys:mic_failed', 'invalid_argument', 'MIC check failed', { details });
      },
    });
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })),
      'MICFailed',
    );
    details = {};
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })),
      'MICFailed',
    );
    await waitFor(() => calls.recordRefusal.length === 1 && handler.refusalsPending === 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(calls.recordRefusal, ['keys:mic_failed']);
  });

  test('a refusal is written once keys is reachable again; the answer never waits for it', async () => {
    let keysUp = false;
    const { handler, calls } = setup({
      netId: '00000B',
      recordRefusal: async () => {
        if (!keysUp) throw new JoineryError('grpc:unavailable', 'unavailable', 'connection refused');
      },
    });
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })),
      'UnknownSender',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(handler.refusalsPending, 1);
    assert.deepEqual(calls.recordRefusal, []);
    keysUp = true;
    await waitFor(() => handler.refusalsPending === 0);
    assert.deepEqual(calls.recordRefusal, ['gateway:unknown_sender']);
    await handler.close(0);
  });

  test('per-peer rate limit refuses beyond the burst', async () => {
    const { handler } = setup({}, { peerRatePerSecond: 1, peerBurst: 1 });
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })),
      'Success',
    );
    assert.equal(resultCode(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN })), 'Other');
  });

  test('async peer: refusals after authentication are POSTed too; an UnknownSender stays in the response', async () => {
    const url = 'https://ns.example/async';
    const notBound = () => {
      throw new JoineryError('claims:not_authorized', 'permission_denied', 'no');
    };
    const refused = setup({ peerAsyncUrl: url, authorize: notBound });
    const outcome = await refused.handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    assert.deepEqual([outcome.status, outcome.body], [200, undefined]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(refused.sent[0]?.url, url);
    assert.equal(
      (refused.sent[0]?.answer as { Result: { ResultCode: string } }).Result.ResultCode,
      'UnknownDevEUI',
    );

    const limited = setup({ peerAsyncUrl: url, asyncUrl: url }, { peerRatePerSecond: 1, peerBurst: 1 });
    await limited.handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    const second = await limited.handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    assert.equal(second.body, undefined);
    for (const until = Date.now() + 2000; limited.sent.length < 2 && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(
      limited.sent.map((s) => (s.answer as { Result: { ResultCode: string } }).Result.ResultCode).sort(),
      ['Other', 'Success'],
    );

    const revoked = { value: false };
    const cached = setup({ peerAsyncUrl: url, asyncUrl: url, revoked });
    await cached.handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    for (const until = Date.now() + 2000; cached.sent.length < 1 && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 5));
    revoked.value = true;
    const gone = await cached.handler.handle(
      { ...requests.ttsBi10JoinReq, TransactionID: 3 },
      { bearerToken: TOKEN },
    );
    assert.equal(resultCode(gone), 'UnknownSender');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(cached.sent.length, 1, 'only the accepted join went to the callback URL');
  });

  test('async peer: 200 with an empty body now, the JoinAns POSTed to its callback URL', async () => {
    const { handler, sent } = setup({ asyncUrl: 'http://127.0.0.1:1/cb' });
    const outcome = await handler.handle(
      { ...requests.ttsBi10JoinReq, TransactionID: 99 },
      { bearerToken: TOKEN },
    );
    assert.equal(outcome.status, 200);
    assert.equal(outcome.body, undefined);
    for (let i = 0; i < 50 && sent.length === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(sent.length, 1);
    const answer = sent[0]?.answer as Record<string, unknown>;
    assert.equal(sent[0]?.url, 'http://127.0.0.1:1/cb');
    assert.equal(answer['TransactionID'], 99);
    assert.equal(answer['SenderID'], '00005EEF10000001');
    assert.equal(answer['MessageType'], 'JoinAns');
  });

  test('a RejoinReq (type 1) goes to keys HandleRejoin and is answered with a RejoinAns', async () => {
    const { handler, calls } = setup({
      netId: '000013',
      nsId: '00005EEF10000100',
      macVersion: '1.1',
    });
    const rejoin = {
      ...requests.ttsBi11JoinReq,
      MessageType: 'RejoinReq',
      // C0 | type 1 | JoinEUI (LE) | DevEUI (LE) | RJcount1 | MIC
      PHYPayload: 'C00101000010EF5E0000020B0010EF5E00000000AABBCCDD',
    };
    const answer = answerOf(await handler.handle(rejoin, { bearerToken: TOKEN }));
    assert.equal(answer['MessageType'], 'RejoinAns');
    assert.equal((answer['Result'] as { ResultCode: string }).ResultCode, 'Success');
    assert.equal(answer['PHYPayload'], '20' + 'CD'.repeat(16));
    assert.deepEqual(answer['SNwkSIntKey'], { KEKLabel: 'ns-kek', AESKey: '44'.repeat(24) });
    assert.deepEqual([calls.handleRejoin, calls.handleJoin], [1, 0]);
  });

  test('a 1.0.x device asked for as 1.1 is refused (MAC version mismatch)', async () => {
    const { handler, calls } = setup({ netId: '000013', nsId: '00005EEF10000100' });
    const outcome = await handler.handle(requests.ttsBi11JoinReq, { bearerToken: TOKEN });
    assert.notEqual(resultCode(outcome), 'Success');
    assert.equal(calls.handleJoin, 0);
  });
});

describe('BiHandler other messages', () => {
  test('non-object bodies are 400; unsupported message types are answered in kind', async () => {
    const { handler } = setup();
    assert.equal((await handler.handle('x', { bearerToken: TOKEN })).status, 400);
    const outcome = await handler.handle(
      {
        ProtocolVersion: '1.0',
        MessageType: 'PRStartReq',
        SenderID: '00000A',
        ReceiverID: '00005EEF10000001',
        TransactionID: 1,
      },
      { bearerToken: TOKEN },
    );
    assert.equal(answerOf(outcome)['MessageType'], 'PRStartAns');
    assert.notEqual(resultCode(outcome), 'Success');
  });

  test('HomeNSReq from the bound NS gets the home NetID', async () => {
    const { handler } = setup({ netId: '00000B' });
    const answer = answerOf(await handler.handle(requests.chirpStackV4HomeNSReq, { bearerToken: TOKEN }));
    assert.equal((answer['Result'] as { ResultCode: string }).ResultCode, 'Success');
    assert.equal(answer['HNetID'], '00000A');
    assert.equal(answer['TransactionID'], 1234567);
  });

  test('HomeNSReq from an NS claims does not allow is NoRoamingAgreement, without an HNetID', async () => {
    const { handler } = setup({ netId: '00000B', noRoaming: true });
    const answer = answerOf(await handler.handle(requests.chirpStackV4HomeNSReq, { bearerToken: TOKEN }));
    assert.equal((answer['Result'] as { ResultCode: string }).ResultCode, 'NoRoamingAgreement');
    assert.equal(answer['HNetID'], undefined);
    assert.equal(answer['MessageType'], 'HomeNSAns');
  });

  test('an AppSKeyReq with a SessionKeyID of the wrong length is malformed, described in words, keys not asked', async () => {
    const { handler } = setup();
    const answer = answerOf(
      await handler.handle(
        { ...requests.ttsBi11AppSKeyReq, SessionKeyID: '01020304' },
        { bearerToken: TOKEN },
      ),
    );
    assert.deepEqual(answer['Result'], {
      ResultCode: 'MalformedMessage',
      Description: 'SessionKeyID has the wrong length',
    });
  });

  test('a device of another owner and an unknown device get the same answer, without internal codes', async () => {
    const answers = [];
    for (const code of ['claims:not_authorized', 'claims:unknown_device', 'keys:unknown_device']) {
      const refuse = () => {
        throw new JoineryError(code, 'permission_denied', 'no');
      };
      const { handler } = setup(
        code.startsWith('claims:') ? { authorize: refuse } : { keys: async () => refuse() },
      );
      answers.push(answerOf(await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN }))['Result']);
    }
    assert.deepEqual(answers, Array(3).fill({ ResultCode: 'UnknownDevEUI', Description: 'unknown device' }));
  });

  test('async peer: HomeNSAns is POSTed to the callback URL, refusals too; an UnknownSender stays in the response', async () => {
    const url = 'https://ns.example/async';
    const home = setup({ netId: '00000B', peerAsyncUrl: url });
    const outcome = await home.handler.handle(requests.chirpStackV4HomeNSReq, { bearerToken: TOKEN });
    assert.deepEqual([outcome.status, outcome.body, outcome.resultCode], [200, undefined, 'Deferred']);
    await waitFor(() => home.sent.length === 1);
    const answer = home.sent[0]?.answer as Record<string, unknown>;
    assert.equal(home.sent[0]?.url, url);
    assert.deepEqual(
      [answer['MessageType'], answer['HNetID'], answer['TransactionID']],
      ['HomeNSAns', '00000A', 1234567],
    );

    const noRoaming = setup({ netId: '00000B', peerAsyncUrl: url, noRoaming: true });
    assert.equal(
      (await noRoaming.handler.handle(requests.chirpStackV4HomeNSReq, { bearerToken: TOKEN })).body,
      undefined,
    );
    await waitFor(() => noRoaming.sent.length === 1);
    assert.equal(
      (noRoaming.sent[0]?.answer as { Result: { ResultCode: string } }).Result.ResultCode,
      'NoRoamingAgreement',
    );

    const stranger = setup({ netId: '00000C', peerAsyncUrl: url });
    const refused = await stranger.handler.handle(requests.chirpStackV4HomeNSReq, { bearerToken: TOKEN });
    assert.equal(resultCode(refused), 'UnknownSender');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(stranger.sent.length, 0);
  });

  test('async AS: the AppSKeyAns is POSTed to its callback URL', async () => {
    const url = 'https://as.example/async';
    const { handler, sent } = setup({ asId: 'as1.example.net', peerAsyncUrl: url });
    const outcome = await handler.handle(requests.ttsBi11AppSKeyReq, { bearerToken: TOKEN });
    assert.deepEqual([outcome.body, outcome.resultCode, outcome.netId], [undefined, 'Deferred', undefined]);
    await waitFor(() => sent.length === 1);
    const answer = sent[0]?.answer as { MessageType: string; Result: { ResultCode: string } };
    assert.deepEqual(
      [sent[0]?.url, answer.MessageType, answer.Result.ResultCode],
      [url, 'AppSKeyAns', 'UnknownDevEUI'],
    );
  });

  test('async peer: a RejoinAns is POSTed to the callback URL', async () => {
    const url = 'https://ns.example/async';
    const { handler, sent } = setup({
      netId: '000013',
      nsId: '00005EEF10000100',
      macVersion: '1.1',
      peerAsyncUrl: url,
      asyncUrl: url,
    });
    const rejoin = {
      ...requests.ttsBi11JoinReq,
      MessageType: 'RejoinReq',
      PHYPayload: 'C00101000010EF5E0000020B0010EF5E00000000AABBCCDD',
    };
    assert.equal((await handler.handle(rejoin, { bearerToken: TOKEN })).body, undefined);
    await waitFor(() => sent.length === 1);
    assert.equal((sent[0]?.answer as { MessageType: string }).MessageType, 'RejoinAns');
  });

  test('AppSKeyReq from an NS credential is UnknownSender', async () => {
    const { handler } = setup();
    assert.equal(
      resultCode(await handler.handle(requests.ttsBi11AppSKeyReq, { bearerToken: TOKEN })),
      'UnknownSender',
    );
  });

  test('logs of a join never contain the key bytes of the answer', async () => {
    const { handler, logs } = setup();
    await handler.handle(requests.ttsBi10JoinReq, { bearerToken: TOKEN });
    assert.equal(logs.text().toUpperCase().includes('22'.repeat(24).toUpperCase()), false);
    assert.equal(logs.text().includes(TOKEN), false);
  });
});
