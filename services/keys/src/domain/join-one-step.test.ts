import { fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema } from '@joinery/proto/events/v1/events_pb';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStateStore, type MemoryStateStore } from '../adapters/memory/memory-state-store.js';
import { createKeysTestKit } from '../testing/keys-test-kit.js';
import { handleJoin } from './handle-join.js';
import { idHex } from './hex.js';
import type { JoinAnswer } from './join-pipeline.js';
import type { AcceptedJoin, KeysStateStore, NonceState } from './ports.js';

/** The memory store with some methods replaced, counting the calls of the two paths. */
function spiedStore(overrides: (inner: MemoryStateStore) => Partial<KeysStateStore> = () => ({})) {
  const inner = createMemoryStateStore();
  const calls = { reserve: 0, commitSession: 0, commitJoin: 0 };
  const store: MemoryStateStore = {
    ...inner,
    reserve: (dev, check) => ((calls.reserve += 1), inner.reserve(dev, check)),
    commitSession: (...args) => ((calls.commitSession += 1), inner.commitSession(...args)),
    commitJoin: (dev, check, commit) => ((calls.commitJoin += 1), inner.commitJoin(dev, check, commit)),
  };
  return { store: Object.assign(store, overrides(inner)), calls, inner };
}

/** What must not differ between two joins with the same JoinNonce: all but the random SessionKeyID and event id. */
const comparable = ({ sessionKeyId: _s, eventId: _e, ...answer }: JoinAnswer) => answer;

test('a one-step join answers the same bytes and keys, and keeps the same session and event, as the two steps', async () => {
  const twoSteps = spiedStore(() => ({ guessJoinNonce: () => undefined }));
  const oneStep = spiedStore();
  // One vault (the same storage KEK), two stores.
  const kit = await createKeysTestKit({ state: twoSteps.store });
  const deps = [kit.deps, { ...kit.deps, state: oneStep.store }] as const;
  for (const [macVersion, devEuiHex] of [
    ['1.0.3', '00005EEF20000001'],
    ['1.1', '00005EEF20000002'],
  ] as const) {
    const answers = [];
    const devEui = await kit.device(macVersion, devEuiHex);
    for (const d of deps) {
      const first = await handleJoin(d, kit.joinContext(devEui, macVersion, 7));
      const second = await handleJoin(d, kit.joinContext(devEui, macVersion, 9));
      const sessions = await Promise.all(
        [first, second].map((a) => d.state.getSession(idHex(devEui), idHex(a.sessionKeyId))),
      );
      const events = (await d.state.outbox.read(100))
        .filter((r) => r.key === devEuiHex)
        .map((r) => {
          const {
            sessionKeyId: _s,
            eventId: _e,
            $typeName: _t,
            ...event
          } = fromBinary(JoinEventSchema, r.value);
          return event;
        });
      answers.push({
        answers: [first, second].map(comparable),
        sessions: sessions.map((s) => s && { ...s, sessionKeyId: '', storedAppSKey: [...s.storedAppSKey] }),
        events,
        nonces: await d.state
          .getNonceState(idHex(devEui))
          .then(({ lastAccept, ...rest }: NonceState & { lastAccept?: AcceptedJoin }) => ({
            ...rest,
            lastAccept: lastAccept && { ...lastAccept, sessionKeyId: '', eventId: '' },
          })),
      });
    }
    assert.deepEqual(answers[1], answers[0], macVersion);
    assert.deepEqual(
      answers[0]!.answers.map((a) => a.joinNonce),
      [1, 2],
    );
  }
  assert.deepEqual(twoSteps.calls, { reserve: 4, commitSession: 4, commitJoin: 0 });
  assert.deepEqual(oneStep.calls, { reserve: 0, commitSession: 0, commitJoin: 4 });
});

test('a stale guess is tried once more with the stored JoinNonce, then the join takes the two steps', async () => {
  let concurrentJoins = 0;
  let otherDevNonce = 1000;
  const { store, calls } = spiedStore((inner) => ({
    // Another replica's join of the device lands just before each of this join's one-step attempts.
    commitJoin: async (dev, check, commit) => {
      calls.commitJoin += 1;
      if (concurrentJoins > 0) {
        concurrentJoins -= 1;
        await inner.reserve(dev, {
          kind: 'dev_nonce',
          policy: 'history',
          devNonce: otherDevNonce++,
          historySize: 16,
        });
      }
      return inner.commitJoin(dev, check, commit);
    },
  }));
  const kit = await createKeysTestKit({ state: store });
  const devEui = await kit.device('1.0.3');

  concurrentJoins = 1;
  const once = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.3', 1));
  assert.equal(once.joinNonce, 2, 'the other join took 1');
  assert.deepEqual(calls, { reserve: 0, commitSession: 0, commitJoin: 2 });
  assert.equal(
    kit.deps.vault.calls.buildJoinAccept,
    2,
    'the accept of the stale JoinNonce was built in vain',
  );

  concurrentJoins = 2;
  const twice = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.3', 2));
  assert.equal(twice.joinNonce, 5, 'the other joins took 3 and 4; no third one-step attempt');
  assert.deepEqual(calls, { reserve: 1, commitSession: 1, commitJoin: 4 });
  assert.equal(kit.deps.vault.calls.buildJoinAccept, 5);
  const nonces = await kit.deps.state.getNonceState(idHex(devEui));
  assert.equal(nonces.joinNonce, 5);
  assert.equal(nonces.sessionCount, 2);
});

test('the one step answers the identical retry again, and a JoinReq in flight elsewhere waits on the two steps', async () => {
  let pendingOnce = false;
  const { store, calls } = spiedStore((inner) => ({
    // A store that always guesses (as a Redis replica that has seen the device does), and one in-flight answer.
    guessJoinNonce: (dev) =>
      (inner as MemoryStateStore).guessJoinNonce(dev, { kind: 'rj_count1', rjCount: 1e9 }),
    commitJoin: async (dev, check, commit) => {
      calls.commitJoin += 1;
      if (pendingOnce) {
        pendingOnce = false;
        return { kind: 'refused', refusal: 'dev_nonce_too_small', pendingRetry: true };
      }
      return inner.commitJoin(dev, check, commit);
    },
  }));
  const kit = await createKeysTestKit({ state: store });
  const devEui = await kit.device('1.0.4');
  const first = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 3));
  const again = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 3));
  assert.equal(again.retried, true);
  assert.deepEqual(again, { ...first, retried: true });
  assert.deepEqual(calls, { reserve: 0, commitSession: 0, commitJoin: 2 });

  pendingOnce = true;
  const next = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 4));
  assert.equal(next.joinNonce, 2);
  assert.deepEqual(calls, { reserve: 1, commitSession: 1, commitJoin: 3 });
  await assert.rejects(
    handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 2)),
    (err: { code?: string }) => err.code === 'keys:dev_nonce_too_small',
  );
  assert.equal(calls.reserve, 1, 'a refusal from the one step is thrown as it is');
});
