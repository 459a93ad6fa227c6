// The gateway's metrics port on a running join stack: requests counted by message type, result code and NetID (of
// authenticated NSs only), the keys outbox's backlog and lag, process metrics, and health and readiness.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { JoinKind } from '@joinery/proto/events/v1/events_pb';
import { startJoinStack, type JoinStack } from './join-stack.js';

let stack: JoinStack;
before(async () => {
  stack = await startJoinStack({ JOINERY_BI_METRICS_PORT: '0' });
});
after(() => stack.stop());

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${stack.metricsPort}${path}`);
  return { status: res.status, text: await res.text() };
};
const sample = (text: string, name: string) =>
  text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

test('answered requests are counted by message type and result code; no NetID for a sender not authenticated', async () => {
  const res = await fetch(`http://127.0.0.1:${stack.biHttpPort}/`, {
    method: 'POST',
    body: JSON.stringify(requests.chirpStackV4JoinReq),
  });
  const answer = (await res.json()) as { Result: { ResultCode: string } };
  const { status, text } = await get('/metrics');
  assert.equal(status, 200);
  // No credential: the SenderID is only what the request claims, so it is no label value (issue 22 item 19).
  const netId = '';
  const counted = `joinery_bi_requests_total{message_type="JoinReq",result_code="${answer.Result.ResultCode}",net_id="${netId}"} 1`;
  assert.ok(
    text.includes(counted),
    `${counted} in\n${text
      .split('\n')
      .filter((l) => l.startsWith('joinery_bi_requests_total'))
      .join('\n')}`,
  );
  assert.match(text, /^joinery_bi_request_duration_seconds_count\{message_type="JoinReq"\} 1$/m);
  // The process's own metrics beside the gateway's, as main.ts and embedded mode show them.
  for (const name of [
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_gc_duration_seconds',
    'process_cpu_seconds_total',
  ])
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
});

test('the outbox backlog and lag come from keys: events not on the bus yet, and the age of the oldest', async () => {
  // This stack runs no relay, so recorded refusals (the gateway's own, of the test above, and this one) stay in the
  // outbox.
  const before = Number(sample((await get('/metrics')).text, 'joinery_outbox_events')?.split(' ')[1]);
  assert.ok(Number.isInteger(before) && before >= 0, `before ${before}`);
  await stack.keys.recordRefusal({
    event: {
      devEui: new Uint8Array(8).fill(1),
      kind: JoinKind.JOIN_REQUEST,
      resultCode: 'UnknownDevEUI',
      errorCode: 'claims:unknown_device',
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 600));
  const { text } = await get('/metrics');
  assert.equal(sample(text, 'joinery_outbox_events'), `joinery_outbox_events ${before + 1}`);
  const lag = Number(sample(text, 'joinery_outbox_lag_seconds')?.split(' ')[1]);
  assert.ok(lag >= 0.5 && lag < 60, `lag ${lag}`);
});

test('health and readiness answer while claims and keys do', async () => {
  assert.deepEqual(await get('/healthz'), { status: 200, text: '{"status":"ok"}' });
  assert.deepEqual(await get('/readyz'), { status: 200, text: '{"status":"ready"}' });
});
