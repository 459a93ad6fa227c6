import { fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import assert from 'node:assert/strict';
import { JoineryError } from '@joinery/errors';
import { devNonceStyle } from '@joinery/lorawan';
import { handleJoin } from '../domain/handle-join.js';
import { idHex } from '../domain/hex.js';
import type { KeysStateStore, MacVersion } from '../domain/ports.js';
import { createKeysTestKit } from './keys-test-kit.js';

/**
 * The concurrency checks of HandleJoin against one state store adapter: 200 concurrent joins of one device with
 * distinct DevNonces get distinct, strictly increasing JoinNonces (or clean refusals), and one DevNonce sent 50
 * times at once is accepted at most once (the others are refused, or answered as its retries). The outbox holds exactly one ACCEPTED event per accepted join.
 */
export async function checkJoinConcurrency(state: KeysStateStore, devEuiHex: string): Promise<void> {
  const kit = await createKeysTestKit({ state });
  for (const version of ['1.0.3', '1.0.4'] as MacVersion[]) {
    const devEui = await kit.device(version, `${devEuiHex.slice(0, 14)}${version === '1.0.3' ? '03' : '04'}`);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => handleJoin(kit.deps, kit.joinContext(devEui, version, 1000 + i))),
    );
    const accepted: { devNonce: number; joinNonce: number }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') accepted.push({ devNonce: 1000 + i, joinNonce: r.value.joinNonce });
      else assert.ok(JoineryError.is(r.reason, 'keys:dev_nonce_too_small'), `unexpected ${String(r.reason)}`);
    });
    const nonces = accepted.map((a) => a.joinNonce).sort((a, b) => a - b);
    assert.equal(new Set(nonces).size, nonces.length, 'a JoinNonce was reused');
    assert.deepEqual(
      nonces,
      Array.from({ length: nonces.length }, (_, i) => i + 1),
    );
    if (devNonceStyle(version) === 'random')
      assert.equal(accepted.length, 200, 'history policy accepts every distinct DevNonce');
    else {
      accepted.sort((a, b) => a.joinNonce - b.joinNonce);
      for (let i = 1; i < accepted.length; i++) assert.ok(accepted[i]!.devNonce > accepted[i - 1]!.devNonce);
    }

    const same = await Promise.allSettled(
      Array.from({ length: 50 }, () => handleJoin(kit.deps, kit.joinContext(devEui, version, 5000))),
    );
    // Requests that reserve after the first one committed are its identical retries (issue 22 #2): answered again
    // with the same JoinNonce and session, never a second accept.
    const answers = same.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(answers.filter((a) => !a.retried).length, 1, 'one DevNonce accepted more than once');
    assert.equal(new Set(answers.map((a) => `${a.joinNonce}/${idHex(a.sessionKeyId)}`)).size, 1);
    assert.equal((await state.getNonceState(idHex(devEui))).joinNonce, nonces.length + 1);
  }
  let acceptedEvents = 0;
  for (let batch = await state.outbox.read(500); batch.length > 0; batch = await state.outbox.read(500)) {
    acceptedEvents += batch.filter(
      (r) =>
        fromBinary(JoinEventSchema, r.value).outcome === JoinOutcome.ACCEPTED &&
        r.key.startsWith(devEuiHex.slice(0, 14)),
    ).length;
    await state.outbox.ack(batch.map((r) => r.id));
  }
  assert.ok(acceptedEvents > 200, 'every accepted join left one ACCEPTED event');
}
