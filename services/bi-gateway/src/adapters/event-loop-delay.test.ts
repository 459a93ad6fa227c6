import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventLoopDelaySampler } from './event-loop-delay.js';

const block = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
/** Lets the sampler's timer run once (it is due first: it was scheduled before this one). */
const nextTimers = () => new Promise((resolve) => setTimeout(resolve, 0));

test('a loop that stays behind shows as delay; one long task alone does not', async () => {
  const sampler = startEventLoopDelaySampler(5);
  await new Promise((resolve) => setTimeout(resolve, 20));
  block(60);
  await nextTimers();
  assert.ok(sampler.delayMs() < 60, `one block: ${sampler.delayMs()}`);
  block(60);
  await nextTimers();
  block(60);
  await nextTimers();
  assert.ok(sampler.delayMs() >= 40, `three blocks in a row: ${sampler.delayMs()}`);
  sampler.stop();
});
