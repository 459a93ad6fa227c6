import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventLoopDelaySampler } from './event-loop-delay.js';

test('a blocked event loop shows as delay at once, before any timer could fire', async () => {
  const sampler = startEventLoopDelaySampler(5);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const blockedUntil = Date.now() + 60;
  while (Date.now() < blockedUntil);
  assert.ok(sampler.delayMs() >= 40, String(sampler.delayMs()));
  sampler.stop();
});
