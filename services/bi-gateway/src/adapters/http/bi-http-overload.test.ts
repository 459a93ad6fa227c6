// Overload at the HTTP edge, over a real socket: the real BiHandler and admission in front of claims and keys doubles
// that hold their answers, so that the adaptive limit fills up. What is beyond it gets a well-formed BI refusal at once.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { createInProcessClient } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { BiHandler } from '../../domain/bi-handler.js';
import { acceptedJoin, authorizedForNs, partialService } from '../../testing/join-doubles.js';
import { buildBiHttpApp } from './bi-http-app.js';

async function gateway() {
  const calls = { authorize: 0, handleJoin: 0 };
  const held: (() => void)[] = [];
  const claims = partialService(ClaimsService, {
    async authorize(request) {
      calls.authorize += 1;
      return authorizedForNs(request);
    },
  });
  const keys = partialService(KeysService, {
    async handleJoin() {
      calls.handleJoin += 1;
      await new Promise<void>((resolve) => held.push(resolve));
      return acceptedJoin();
    },
    async recordRefusal() {
      return { eventId: 'e' };
    },
  });
  const { logger } = captureLogs();
  const handler = new BiHandler({
    claims: createInProcessClient(ClaimsService, claims),
    keys: createInProcessClient(KeysService, keys),
    logger,
    options: {
      deadlineMs: 5000,
      maxInFlight: 512,
      // The adaptive limit starts at 16 when its floor is below that (as the shipped floor of 2 is).
      minInFlight: 2,
      // A loaded test machine may take long to read a body; only the adaptive limit is tested here.
      maxQueueAgeMs: 60_000,
      peerRatePerSecond: 1_000_000,
      peerBurst: 1_000_000,
      duplicateWindowMs: 60_000,
    },
  });
  const app = buildBiHttpApp({ handler, logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`;
  return { app, handler, calls, held, url };
}

const joinReq = (i: number) => ({
  ...requests.chirpStackV4JoinReq,
  TransactionID: 1000 + i,
  DevAddr: i.toString(16).padStart(8, '0'),
});

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Waits until `done`, failing (not hanging) after 10 s. */
async function until(done: () => boolean) {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    assert.ok(Date.now() < deadline, 'timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let stop: (() => Promise<unknown>) | undefined;
after(async () => stop?.());

test('beyond the adaptive limit a JoinReq gets a well-formed refusal at once, without claims or keys', async () => {
  const g = await gateway();
  stop = () => g.app.close();
  // 16 joins in flight (the adaptive limit's start, far below maxInFlight), held in keys: the limit is full.
  assert.equal(g.handler.admission.concurrencyLimit, 16);
  const inFlight = Array.from({ length: 16 }, (_, i) => post(g.url, joinReq(i)));
  await until(() => g.held.length === 16);
  assert.equal(g.handler.inFlight, 16);

  // Answered while the 16 are still held in keys: not queued behind them.
  const res = await post(g.url, joinReq(16));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    ProtocolVersion: '1.0',
    SenderID: '00005EEF10000001',
    ReceiverID: '00000A',
    TransactionID: 1016,
    MessageType: 'JoinAns',
    Result: { ResultCode: 'Other', Description: 'the join server is overloaded; retry later' },
  });
  assert.deepEqual([g.calls.authorize, g.calls.handleJoin], [16, 16], 'the refused join reached neither');

  // The joins in flight are answered, and leave nothing in flight.
  for (const release of g.held.splice(0)) release();
  for (const answer of await Promise.all(inFlight))
    assert.equal(((await answer.json()) as { Result: { ResultCode: string } }).Result.ResultCode, 'Success');
  assert.equal(g.handler.inFlight, 0);
});
