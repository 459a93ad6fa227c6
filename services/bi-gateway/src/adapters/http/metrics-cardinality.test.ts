import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { DescService } from '@bufbuild/protobuf';
import { requests } from '@joinery/backend-interfaces/fixtures';
import { JoineryError } from '@joinery/errors';
import { createInProcessClient, type ServiceImpl } from '@joinery/grpc';
import { captureLogs } from '@joinery/logging';
import { ClaimsService } from '@joinery/proto/claims/v1/claims_pb';
import { KeysService } from '@joinery/proto/keys/v1/keys_pb';
import { Registry } from 'prom-client';
import { BiHandler } from '../../domain/bi-handler.js';
import { testHandlerOptions } from '../../testing/handler-options.js';
import { GatewayMetrics } from '../metrics.js';
import { buildBiHttpApp } from './bi-http-app.js';

/** Every call fails: nobody here is authenticated. */
function refusing<S extends DescService>(service: S): ServiceImpl<S> {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods)
    impl[method.localName] = async () => {
      throw new JoineryError('claims:unauthenticated', 'unauthenticated', 'unknown credential');
    };
  return impl as ServiceImpl<S>;
}

test('3,000 unauthenticated requests with random MessageType and SenderID values leave /metrics a few series', async () => {
  const logger = captureLogs().logger;
  const handler = new BiHandler({
    claims: createInProcessClient(ClaimsService, refusing(ClaimsService)),
    keys: createInProcessClient(KeysService, refusing(KeysService)),
    logger,
    options: testHandlerOptions,
  });
  const registry = new Registry();
  const metrics = new GatewayMetrics(registry, {
    inFlight: () => handler.inFlight,
    backlog: async () => ({ events: 0, oldestEventMs: undefined }),
    refusalsPending: () => 0,
  });
  const app = buildBiHttpApp({ handler, logger, metrics });
  const random = () => randomBytes(3).toString('hex').toUpperCase();
  for (let i = 0; i < 3000; i += 1) {
    const body =
      i % 3 === 0
        ? { ...requests.ttsBi10JoinReq, MessageType: `M${random()}Req`, SenderID: random() }
        : i % 3 === 1
          ? {
              ...requests.ttsBi10JoinReq,
              MessageType: `M${random()}`,
              SenderID: random(),
              ProtocolVersion: '1.1',
            }
          : { ...requests.ttsBi10JoinReq, SenderID: random() };
    const res = await app.inject({ method: 'POST', url: '/', payload: JSON.stringify(body) });
    assert.ok(res.statusCode === 200 || res.statusCode === 400, String(res.statusCode));
  }
  const text = await registry.metrics();
  const series = (name: string) => text.split('\n').filter((line) => line.startsWith(`${name}{`));
  // Unknown MessageTypes (answered MalformedRequest, or ErrorNotif under 1.1) are all `other`; JoinReqs without a
  // credential are UnknownSender; no net_id, since no NS was authenticated.
  assert.deepEqual(
    series('joinery_bi_requests_total')
      .map((line) => line.replace(/ \d+$/, ''))
      .sort(),
    [
      'joinery_bi_requests_total{message_type="ErrorNotif",result_code="MalformedMessage",net_id=""}',
      'joinery_bi_requests_total{message_type="JoinReq",result_code="UnknownSender",net_id=""}',
      'joinery_bi_requests_total{message_type="other",result_code="MalformedRequest",net_id=""}',
    ],
  );
  // Per message type label value: 12 buckets, +Inf, sum and count.
  assert.equal(series('joinery_bi_request_duration_seconds_bucket').length, 3 * 13);
  await app.close();
  await handler.close(0);
});
