import { JoineryError } from '@joinery/errors';
import type { MacVersion } from '@joinery/lorawan';
import { KekPurpose } from '@joinery/proto/keys/v1/keys_pb';
import { freePort, requireInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { handleJoinRequest } from './testing/keys-grpc-fixtures.js';
import { keysEntryPoints, startKeysProcess, type KeysProcess } from './testing/keys-process.js';

interface Accepted {
  devNonce: number;
  joinNonce: number;
}

/** Fires joins with DevNonces from `devNonces`, `concurrency` at a time; collects the accepted ones. */
async function burst(
  keys: KeysProcess,
  rootKey: Uint8Array,
  devEui: Uint8Array,
  macVersion: MacVersion,
  devNonces: number[],
  concurrency: number,
  onAccepted?: (n: number) => void,
): Promise<Accepted[]> {
  const accepted: Accepted[] = [];
  let next = 0;
  const worker = async () => {
    while (next < devNonces.length) {
      const devNonce = devNonces[next++]!;
      try {
        const answer = await keys.client.handleJoin(
          handleJoinRequest(rootKey, devEui, devNonce, macVersion),
          { timeoutMs: 3000 },
        );
        // A retry (the identical request of the last accepted join, issue 22 #2) is that join answered again.
        if (!answer.retried) accepted.push({ devNonce, joinNonce: answer.joinNonce });
        onAccepted?.(accepted.length);
      } catch {
        // Refusals, and calls cut by the kill: neither is an accepted join.
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted;
}

// Once with the state on Redis (distributed mode) and once on the embedded LMDB store in the data directory.
for (const state of ['Redis', 'LMDB'] as const)
  test(
    `SIGKILL mid-burst (${state} state): after restart JoinNonces keep increasing and no DevNonce is accepted twice`,
    { timeout: 180_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'joinery-keys-crash-'));
      const env = {
        JOINERY_DATA_DIR: dataDir,
        JOINERY_LOG_LEVEL: 'warn',
        ...(state === 'Redis' ? { JOINERY_REDIS_URL: requireInfra('REDIS_URL').REDIS_URL } : {}),
      };
      const logFile = join(dataDir, 'keys.log');
      const rootKey = new Uint8Array(randomBytes(16));
      const devices = [
        { devEui: new Uint8Array(randomBytes(8)), macVersion: '1.0.3' as MacVersion },
        { devEui: new Uint8Array(randomBytes(8)), macVersion: '1.0.4' as MacVersion },
      ];
      // The real process: main.ts with the software vault (master key and sealed keys in the data directory).
      const entry = keysEntryPoints.main;
      // Root keys and peer KEKs; provisioning again after the restart finds them kept (or re-imports them).
      const provision = async (keys: KeysProcess) => {
        for (const label of ['ns:000013', 'as:as1']) {
          await keys.client.createKek({ label, purpose: KekPurpose.PEER }).catch((err: unknown) => {
            if (!JoineryError.is(err, 'keys:kek_exists')) throw err;
          });
        }
        await keys.client.importRootKeysBatch({
          devices: devices.map((d) => ({
            devEui: d.devEui,
            macVersion: d.macVersion,
            overwrite: true,
            keys: { case: 'plain', value: { nwkKey: rootKey } },
          })),
        });
      };
      let keys = await startKeysProcess(env, logFile, await freePort(), entry);
      try {
        await provision(keys);
        // The state is where this case says it is.
        assert.equal(existsSync(join(dataDir, 'keys-state')), state === 'LMDB');

        // Before: 400 joins per device with increasing DevNonces; SIGKILL once 150 joins in total were answered.
        let answered = 0;
        let reachedKillPoint = () => {};
        const killPoint = new Promise<void>((resolve) => (reachedKillPoint = resolve));
        const onAccepted = () => {
          answered += 1;
          if (answered === 150) reachedKillPoint();
        };
        const bursts = devices.map((d) =>
          burst(
            keys,
            rootKey,
            d.devEui,
            d.macVersion,
            Array.from({ length: 400 }, (_, n) => n),
            8,
            onAccepted,
          ),
        );
        await killPoint;
        await keys.kill('SIGKILL');
        const before = new Map((await Promise.all(bursts)).map((accepted, i) => [i, accepted]));

        keys = await startKeysProcess(env, logFile, await freePort(), entry);
        await provision(keys);
        for (const [i, d] of devices.entries()) {
          const pre = before.get(i) ?? [];
          assert.ok(
            pre.length > 0 && pre.length < 400,
            `device ${i}: the kill landed mid-burst (${pre.length} accepted before)`,
          );
          const maxBefore = Math.max(...pre.map((a) => a.joinNonce));
          // After: every DevNonce again (replays of those accepted before must be refused) plus fresh ones.
          const post = await burst(
            keys,
            rootKey,
            d.devEui,
            d.macVersion,
            Array.from({ length: 450 }, (_, n) => n),
            4,
          );
          for (const a of post)
            assert.ok(
              a.joinNonce > maxBefore,
              `device ${i}: JoinNonce ${a.joinNonce} after restart not above ${maxBefore}`,
            );
          const devNonces = [...pre, ...post].map((a) => a.devNonce);
          assert.equal(
            new Set(devNonces).size,
            devNonces.length,
            `device ${i}: a DevNonce was accepted twice`,
          );
          const joinNonces = [...pre, ...post].map((a) => a.joinNonce);
          assert.equal(new Set(joinNonces).size, joinNonces.length, `device ${i}: a JoinNonce was reused`);
          assert.ok(post.length >= 50, `device ${i}: joins work after the restart`);
          const state = await keys.client.getNonceState({ devEui: d.devEui });
          assert.ok(state.joinNonce >= Math.max(...joinNonces));
        }
      } finally {
        await keys.kill('SIGTERM');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
