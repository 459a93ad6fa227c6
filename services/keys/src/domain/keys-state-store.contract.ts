import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  AcceptedJoin,
  CommitJoinOutcome,
  JoinCommit,
  KeysStateStore,
  NonceCheck,
  OutboxEvent,
  StoredSession,
} from './ports.js';

/** A small seeded PRNG (mulberry32), so that a failing interleaving can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The behaviour every KeysStateStore adapter must show: memory and LMDB in unit runs, Redis in integration runs.
 * `open` returns a fresh, empty store; device EUIs are random per test so runs against a shared Redis stay apart.
 */
export function keysStateStoreContract(
  name: string,
  open: () => Promise<{ store: KeysStateStore; cleanup: () => Promise<void> }>,
): void {
  describe(`KeysStateStore contract: ${name}`, () => {
    let store: KeysStateStore;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await open());
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    let counter = 0;
    const newDevEui = () =>
      `C0FFEE${(Date.now() % 0xffffff).toString(16).padStart(6, '0')}${(counter++).toString(16).padStart(4, '0')}`.toUpperCase();
    const history = (devNonce: number, historySize = 4) =>
      ({ kind: 'dev_nonce', policy: 'history', devNonce, historySize }) as const;
    const counterCheck = (devNonce: number) => ({ kind: 'dev_nonce', policy: 'counter', devNonce }) as const;
    const event = (devEui: string, n: number): OutboxEvent => ({
      topic: 'joinery.joins.v1',
      key: devEui,
      value: new Uint8Array([n]),
    });
    const session = (joinNonce: number): StoredSession => ({
      sessionKeyId: joinNonce.toString(16).padStart(32, '0').toUpperCase(),
      joinNonce,
      storageKekLabel: 'storage',
      storedAppSKey: new Uint8Array(24).fill(joinNonce),
      bindingId: `binding-${joinNonce}`,
      createdAt: 1_700_000_000_000 + joinNonce,
    });
    const drain = async () => {
      for (
        let batch = await store.outbox.read(1000);
        batch.length > 0;
        batch = await store.outbox.read(1000)
      ) {
        await store.outbox.ack(batch.map((r) => r.id));
      }
    };

    test('JoinNonce starts at 1 and increases by one per accepted reserve', async () => {
      const dev = newDevEui();
      assert.deepEqual(await store.reserve(dev, history(10)), { ok: true, joinNonce: 1 });
      assert.deepEqual(await store.reserve(dev, history(11)), { ok: true, joinNonce: 2 });
      assert.deepEqual(await store.reserve(dev, history(9)), { ok: true, joinNonce: 3 });
      assert.equal((await store.getNonceState(dev)).joinNonce, 3);
    });

    test('history policy refuses reuse within the history and forgets the oldest beyond it', async () => {
      const dev = newDevEui();
      for (const n of [1, 2, 3, 4]) assert.equal((await store.reserve(dev, history(n))).ok, true);
      assert.deepEqual(await store.reserve(dev, history(2)), { ok: false, refusal: 'dev_nonce_replayed' });
      assert.equal((await store.getNonceState(dev)).joinNonce, 4, 'a refusal changes no JoinNonce');
      assert.equal((await store.reserve(dev, history(5))).ok, true);
      assert.deepEqual((await store.getNonceState(dev)).devNonceHistory, [2, 3, 4, 5]);
      assert.deepEqual(
        await store.reserve(dev, history(1)),
        { ok: true, joinNonce: 6 },
        '1 fell out of a 4-entry history',
      );
    });

    test('counter policy refuses any DevNonce not greater than the last accepted', async () => {
      const dev = newDevEui();
      assert.deepEqual(await store.reserve(dev, counterCheck(0)), { ok: true, joinNonce: 1 });
      assert.deepEqual(await store.reserve(dev, counterCheck(0)), {
        ok: false,
        refusal: 'dev_nonce_too_small',
      });
      assert.deepEqual(await store.reserve(dev, counterCheck(7)), { ok: true, joinNonce: 2 });
      assert.deepEqual(await store.reserve(dev, counterCheck(6)), {
        ok: false,
        refusal: 'dev_nonce_too_small',
      });
      const state = await store.getNonceState(dev);
      assert.equal(state.lastDevNonce, 7);
      assert.equal(state.joinNonce, 2);
    });

    const rj0 = (rjCount: number, frame: string) =>
      ({ kind: 'rj_count0', rjCount, frame, historySize: 4 }) as const;

    test('RJcount1 must increase per device, never reset by any accept', async () => {
      const dev = newDevEui();
      assert.equal((await store.reserve(dev, { kind: 'rj_count1', rjCount: 3 })).ok, true);
      assert.deepEqual(await store.reserve(dev, { kind: 'rj_count1', rjCount: 3 }), {
        ok: false,
        refusal: 'rj_count_replayed',
      });
      assert.equal((await store.reserve(dev, counterCheck(1))).ok, true);
      assert.equal((await store.reserve(dev, rj0(0, 'C000AA'))).ok, true);
      assert.deepEqual(await store.reserve(dev, { kind: 'rj_count1', rjCount: 2 }), {
        ok: false,
        refusal: 'rj_count_replayed',
      });
      assert.equal((await store.getNonceState(dev)).joinNonce, 3);
    });

    test('RJcount0 restarts with every accept (type 0 then type 2 at 0); a replayed frame is refused', async () => {
      const dev = newDevEui();
      assert.deepEqual(await store.reserve(dev, rj0(0, 'C00000')), { ok: true, joinNonce: 1 });
      assert.deepEqual(
        await store.reserve(dev, rj0(0, 'C00200')),
        { ok: true, joinNonce: 2 },
        'the accept reset the device RJcount0: a type 2 at 0 is new',
      );
      for (const frame of ['C00000', 'C00200'])
        assert.deepEqual(await store.reserve(dev, rj0(0, frame)), {
          ok: false,
          refusal: 'rj_count_replayed',
        });
      assert.equal((await store.reserve(dev, counterCheck(1))).ok, true);
      assert.deepEqual(
        await store.reserve(dev, rj0(0, 'C00000')),
        { ok: false, refusal: 'rj_count_replayed' },
        'a join does not make an old frame new',
      );
      for (const frame of ['C00001', 'C00002', 'C00003'])
        assert.equal((await store.reserve(dev, rj0(1, frame))).ok, true);
      const state = await store.getNonceState(dev);
      assert.equal(state.joinNonce, 6);
      assert.deepEqual(state.rejoinFrameHistory, ['C00200', 'C00001', 'C00002', 'C00003']);
      assert.equal(state.lastRjCount0, 1);
      assert.equal(
        (await store.reserve(dev, rj0(0, 'C00000'))).ok,
        true,
        'the oldest frame fell out of a 4-entry history',
      );
    });

    test('the same rejoin frame sent 50 times concurrently is accepted once', async () => {
      const dev = newDevEui();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => store.reserve(dev, rj0(0, 'C0FF00'))),
      );
      assert.equal(outcomes.filter((o) => o.ok).length, 1);
      assert.equal((await store.getNonceState(dev)).joinNonce, 1);
    });

    test('the identical retry of the last accepted join gets its JoinNonce again and changes nothing', async () => {
      const dev = newDevEui();
      const probe = (digest: string, now: number) => ({ digest, now, windowMs: 60_000 });
      for (const [check, refusal] of [
        [counterCheck(7), 'dev_nonce_too_small'],
        [history(7), 'dev_nonce_replayed'],
      ] as const) {
        const d = `${dev.slice(0, 14)}${check.policy === 'counter' ? '0C' : '0B'}`;
        const first = await store.reserve(d, { ...check, retry: probe('aa', 1_000) });
        assert.deepEqual(first, { ok: true, joinNonce: 1 });
        const accepted = {
          devNonce: 7,
          digest: 'aa',
          joinNonce: 1,
          sessionKeyId: 'AB'.repeat(16),
          eventId: 'ev-1',
          at: 1_000,
        };
        await store.commitSession(d, session(1), 10, event(d, 1), accepted);
        assert.deepEqual(await store.reserve(d, { ...check, retry: probe('aa', 60_999) }), {
          ok: true,
          joinNonce: 1,
          retryOf: { sessionKeyId: 'AB'.repeat(16), eventId: 'ev-1' },
        });
        assert.deepEqual(await store.reserve(d, { ...check, retry: probe('bb', 2_000) }), {
          ok: false,
          refusal,
        });
        assert.deepEqual(await store.reserve(d, { ...check, retry: probe('aa', 61_000) }), {
          ok: false,
          refusal,
        });
        assert.deepEqual(await store.reserve(d, check), { ok: false, refusal }, 'no probe, no retry');
        assert.equal((await store.getNonceState(d)).joinNonce, 1, 'a retry spends no JoinNonce');
        await store.commitSession(d, session(2), 10, event(d, 2), {
          ...accepted,
          devNonce: 8,
          joinNonce: 2,
          at: 2_000,
        });
        assert.deepEqual(
          await store.reserve(d, { ...check, retry: probe('aa', 3_000) }),
          { ok: false, refusal },
          'only the last accepted join is retried',
        );
      }
    });

    test('sessions are kept newest N per device and found by SessionKeyID', async () => {
      const dev = newDevEui();
      for (let n = 1; n <= 5; n++) await store.commitSession(dev, session(n), 3, event(dev, n));
      assert.equal(await store.getSession(dev, session(1).sessionKeyId), undefined);
      assert.equal(await store.getSession(dev, session(2).sessionKeyId), undefined);
      const kept = await store.getSession(dev, session(5).sessionKeyId);
      assert.deepEqual(kept && { ...kept, storedAppSKey: [...kept.storedAppSKey] }, {
        ...session(5),
        storedAppSKey: [...session(5).storedAppSKey],
      });
      assert.equal((await store.getNonceState(dev)).sessionCount, 3);
      assert.equal(await store.getSession(newDevEui(), session(5).sessionKeyId), undefined);
    });

    test('the outbox hands out records oldest first and ack deletes them', async () => {
      await drain();
      const dev = newDevEui();
      const ids = [
        await store.appendEvent(dev, event(dev, 1)),
        await store.commitSession(dev, session(1), 10, event(dev, 2)),
        await store.appendEvent(dev, event(dev, 3)),
      ];
      assert.equal(new Set(ids).size, 3);
      assert.equal(await store.outbox.count(), 3);
      const batch = await store.outbox.read(10);
      assert.deepEqual(
        batch.map((r) => [r.id, r.topic, r.key, [...r.value]]),
        ids.map((id, i) => [id, 'joinery.joins.v1', dev, [i + 1]]),
      );
      assert.deepEqual(
        (await store.outbox.read(2)).map((r) => r.id),
        ids.slice(0, 2),
      );
      await store.outbox.ack([ids[0]!, ids[1]!]);
      assert.equal(await store.outbox.count(), 1);
      assert.deepEqual(
        (await store.outbox.read(10)).map((r) => r.id),
        [ids[2]],
      );
      await store.outbox.ack([ids[2]!]);
      assert.deepEqual(await store.outbox.read(10), []);
      assert.equal(await store.outbox.count(), 0);
    });

    test('a DevNonce reset clears DevNonce state, keeps the JoinNonce and is audited', async () => {
      const dev = newDevEui();
      await store.reserve(dev, counterCheck(40));
      await store.reserve(dev, counterCheck(41));
      const reset = await store.resetDevNonces(dev, {
        actor: 'admin',
        reason: 'device lost its counter',
        time: 1_700_000_000_000,
      });
      assert.deepEqual(reset, {
        actor: 'admin',
        reason: 'device lost its counter',
        time: 1_700_000_000_000,
        lastDevNonce: 41,
        historySize: 0,
      });
      assert.deepEqual(await store.reserve(dev, counterCheck(0)), { ok: true, joinNonce: 3 });
      const state = await store.getNonceState(dev);
      assert.deepEqual(state.resets, [reset]);
      assert.equal(state.joinNonce, 3);
    });

    test('200 concurrent reserves with distinct DevNonces get 200 distinct JoinNonces 1..200', async () => {
      const dev = newDevEui();
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.reserve(dev, history(1000 + i, 1024))),
      );
      const nonces = outcomes.map((o) => (o.ok ? o.joinNonce : -1)).sort((a, b) => a - b);
      assert.deepEqual(
        nonces,
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
    });

    test('concurrent counter DevNonces: accepted JoinNonces are distinct and follow the DevNonce order', async () => {
      const dev = newDevEui();
      const devNonces = Array.from({ length: 200 }, (_, i) => i);
      const outcomes = await Promise.all(devNonces.map((n) => store.reserve(dev, counterCheck(n))));
      const accepted = outcomes.flatMap((o, i) =>
        o.ok ? [{ devNonce: devNonces[i]!, joinNonce: o.joinNonce }] : [],
      );
      for (const o of outcomes) if (!o.ok) assert.equal(o.refusal, 'dev_nonce_too_small');
      assert.equal(new Set(accepted.map((a) => a.joinNonce)).size, accepted.length);
      accepted.sort((a, b) => a.joinNonce - b.joinNonce);
      for (let i = 1; i < accepted.length; i++) assert.ok(accepted[i]!.devNonce > accepted[i - 1]!.devNonce);
      assert.equal((await store.getNonceState(dev)).joinNonce, accepted.length);
    });

    test('the same DevNonce sent 50 times concurrently is accepted once', async () => {
      for (const check of [history(77, 1024), counterCheck(77)]) {
        const dev = newDevEui();
        const outcomes = await Promise.all(Array.from({ length: 50 }, () => store.reserve(dev, check)));
        assert.equal(outcomes.filter((o) => o.ok).length, 1);
        assert.equal((await store.getNonceState(dev)).joinNonce, 1);
      }
    });

    /** What a join keeps with JoinNonce `jn`: its session, event and (for a JoinReq with a probe) accepted record. */
    const joinCommit = (dev: string, check: NonceCheck, jn: number, at = 1_000): JoinCommit => {
      const accepted: AcceptedJoin | undefined =
        check.kind === 'dev_nonce' && check.retry !== undefined
          ? {
              devNonce: check.devNonce,
              digest: check.retry.digest,
              joinNonce: jn,
              sessionKeyId: session(jn).sessionKeyId,
              eventId: `ev-${jn}`,
              at,
            }
          : undefined;
      return {
        session: session(jn),
        maxSessions: 3,
        event: event(dev, jn),
        ...(accepted === undefined ? {} : { accepted }),
      };
    };
    /** reserve, then (when it reserved) commitSession: the two-step join, as a `commitJoin` outcome. */
    const twoSteps = async (dev: string, check: NonceCheck): Promise<CommitJoinOutcome> => {
      const reserved = await store.reserve(dev, check);
      if (!reserved.ok)
        return {
          kind: 'refused',
          refusal: reserved.refusal,
          ...(reserved.pendingRetry === true ? { pendingRetry: true as const } : {}),
        };
      if (reserved.retryOf !== undefined)
        return { kind: 'retry', joinNonce: reserved.joinNonce, retryOf: reserved.retryOf };
      const { session: s, maxSessions, event: e, accepted } = joinCommit(dev, check, reserved.joinNonce);
      const outboxId = await store.commitSession(dev, s, maxSessions, e, accepted);
      return { kind: 'committed', joinNonce: reserved.joinNonce, outboxId };
    };
    /** The one-step join with the JoinNonce read from the state (a guess that is right when nothing runs beside). */
    const oneStep = async (dev: string, check: NonceCheck): Promise<CommitJoinOutcome> =>
      store.commitJoin(dev, check, joinCommit(dev, check, (await store.getNonceState(dev)).joinNonce + 1));
    const withoutOutboxId = (o: CommitJoinOutcome) =>
      o.kind === 'committed' ? { kind: o.kind, joinNonce: o.joinNonce } : o;
    const deviceView = async (dev: string) => {
      const state = await store.getNonceState(dev);
      const sessions = await Promise.all(
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(async (jn) => {
          const kept = await store.getSession(dev, session(jn).sessionKeyId);
          return kept && { ...kept, storedAppSKey: [...kept.storedAppSKey] };
        }),
      );
      return { state, sessions };
    };
    const deviceEvents = async (dev: string) =>
      (await store.outbox.read(10_000)).filter((r) => r.key === dev).map((r) => [...r.value]);

    test('commitJoin answers and changes what reserve + commitSession do, for every check kind', async () => {
      const probe = (digest: string, now: number) => ({ digest, now, windowMs: 60_000 });
      const steps = (policy: 'history' | 'counter'): NonceCheck[] => {
        const dn = (devNonce: number, retry?: ReturnType<typeof probe>): NonceCheck =>
          policy === 'history'
            ? { ...history(devNonce, 3), ...(retry === undefined ? {} : { retry }) }
            : { ...counterCheck(devNonce), ...(retry === undefined ? {} : { retry }) };
        return [
          dn(10, probe('aa', 1_000)),
          dn(10, probe('aa', 2_000)), // the identical retry: answered again
          dn(10, probe('bb', 2_000)), // same DevNonce, another request: refused
          dn(10), // no probe: refused
          dn(policy === 'history' ? 3 : 11),
          { kind: 'rj_count1', rjCount: 5 },
          { kind: 'rj_count1', rjCount: 5 },
          rj0(0, 'C000AA'),
          rj0(0, 'C000AA'),
          rj0(0, 'C000BB'),
          dn(policy === 'history' ? 4 : 12, probe('cc', 3_000)),
          dn(policy === 'history' ? 3 : 9), // history: replayed, counter: too small
          dn(policy === 'history' ? 4 : 12, probe('cc', 70_000)), // past the retry window: refused
        ];
      };
      for (const policy of ['history', 'counter'] as const) {
        const [two, one] = [newDevEui(), newDevEui()];
        for (const [i, check] of steps(policy).entries()) {
          const expected = withoutOutboxId(await twoSteps(two, check));
          assert.deepEqual(withoutOutboxId(await oneStep(one, check)), expected, `${policy} step ${i}`);
          assert.deepEqual(await deviceView(one), await deviceView(two), `${policy} state after step ${i}`);
        }
        assert.deepEqual(await deviceEvents(one), await deviceEvents(two));
      }
    });

    test('commitJoin with a stale JoinNonce changes nothing and answers the stored one; checks come first', async () => {
      const dev = newDevEui();
      assert.equal((await twoSteps(dev, history(1))).kind, 'committed');
      assert.equal((await twoSteps(dev, history(2))).kind, 'committed');
      const before = await deviceView(dev);
      const eventsBefore = await deviceEvents(dev);
      for (const jn of [1, 2, 4, 9])
        assert.deepEqual(await store.commitJoin(dev, history(3), joinCommit(dev, history(3), jn)), {
          kind: 'stale',
          joinNonce: 2,
        });
      assert.deepEqual(await store.commitJoin(dev, history(2), joinCommit(dev, history(2), 3)), {
        kind: 'refused',
        refusal: 'dev_nonce_replayed',
      });
      assert.deepEqual(await deviceView(dev), before);
      assert.deepEqual(await deviceEvents(dev), eventsBefore);
      const committed = await store.commitJoin(dev, history(3), joinCommit(dev, history(3), 3));
      assert.equal(committed.kind === 'committed' && committed.joinNonce, 3);
      assert.deepEqual((await store.getNonceState(dev)).devNonceHistory, [1, 2, 3]);
    });

    test('a first join of a device can be one step: it expects JoinNonce 1', async () => {
      const dev = newDevEui();
      const outcome = await store.commitJoin(dev, counterCheck(0), joinCommit(dev, counterCheck(0), 1));
      assert.equal(outcome.kind === 'committed' && outcome.joinNonce, 1);
      assert.equal((await store.getNonceState(dev)).joinNonce, 1);
      assert.equal((await store.getSession(dev, session(1).sessionKeyId))?.joinNonce, 1);
    });

    test('guessJoinNonce never names a JoinNonce already handed out', async () => {
      const dev = newDevEui();
      const retry = { digest: 'aa', now: 1_000, windowMs: 60_000 };
      for (let n = 1; n <= 3; n++) {
        assert.equal((await twoSteps(dev, { ...counterCheck(n), retry })).kind, 'committed');
        const guess = store.guessJoinNonce(dev, counterCheck(n + 1));
        assert.ok(guess === undefined || guess === n + 1, `guess ${guess} after JoinNonce ${n}`);
      }
      assert.equal(
        store.guessJoinNonce(dev, { ...counterCheck(3), retry }),
        undefined,
        'the last accepted DevNonce again: a retry, no accept to build',
      );
    });

    for (const seed of [1, 2, 3]) {
      test(`one-step and two-step joins of one device side by side never hand out a JoinNonce twice (seed ${seed})`, async () => {
        const random = seededRandom(seed);
        const dev = newDevEui();
        const pause = async () => {
          for (let n = Math.floor(random() * 4); n > 0; n--) await new Promise((r) => setImmediate(r));
        };
        const handedOut: number[] = [];
        /** The pipeline's join, at store level: one step (once more on a stale guess), else the two steps. */
        const join = async (devNonce: number, oneStepFirst: boolean) => {
          await pause();
          const check = history(devNonce, 1024);
          let guess = oneStepFirst
            ? (store.guessJoinNonce(dev, check) ?? (await store.getNonceState(dev)).joinNonce + 1)
            : undefined;
          for (let attempt = 0; guess !== undefined && attempt < 2; attempt++) {
            await pause();
            const outcome = await store.commitJoin(dev, check, joinCommit(dev, check, guess));
            // The JoinNonce the accept was built with is the one handed out.
            if (outcome.kind === 'committed') return void handedOut.push(guess);
            assert.equal(outcome.kind, 'stale');
            guess = outcome.kind === 'stale' ? outcome.joinNonce + 1 : undefined;
          }
          const reserved = await store.reserve(dev, check);
          assert.ok(reserved.ok);
          handedOut.push(reserved.joinNonce);
          await pause();
          const { session: s, maxSessions, event: e } = joinCommit(dev, check, reserved.joinNonce);
          await store.commitSession(dev, s, maxSessions, e);
        };
        const joins = Array.from({ length: 60 }, (_, i) => join(100 + i, random() < 0.6));
        await Promise.all(joins);
        assert.deepEqual(
          [...handedOut].sort((a, b) => a - b),
          Array.from({ length: 60 }, (_, i) => i + 1),
          'each JoinNonce 1..60 once, none skipped by a one-step join',
        );
        const state = await store.getNonceState(dev);
        assert.equal(state.joinNonce, 60);
        assert.equal(state.devNonceHistory.length, 60);
        assert.equal((await deviceEvents(dev)).length, 60);
      });
    }
  });
}
