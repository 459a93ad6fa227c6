import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appSKeyReqOf,
  authorized,
  claimFor,
  createHarness,
  createOwner,
  devEui,
  importDevices,
  joinOutcome,
  networkServerInput,
  transferInput,
  type Harness,
  type Owner,
} from '../testing/harness.js';

// Issue 22 #11: keys hands a session's AppSKey out only under the binding it was made under (keys
// get-app-s-key.test.ts). Here the other half: claims gives every binding its own identity, the same to the NS's
// Authorize (stored with the session) and to the AS's AuthorizeApplicationServer (asked with AppSKeyReq).

const join = (h: Harness, o: Owner) => authorized(joinOutcome(h, o, 1));
const appSKeyReq = (h: Harness, o: Owner, asId: string) => appSKeyReqOf(h, o, 1, { senderAsId: asId });
const claim = (h: Harness, o: Owner) => claimFor(h, o, 1, { withAs: true });

test('claim, join, unclaim, reclaim by another owner: its AS asks under a binding the old session was not made under', async () => {
  const h = await createHarness();
  await importDevices(h, 1);
  const a = await createOwner(h, 'a', '000013');
  const b = await createOwner(h, 'b', '000014');
  await claim(h, a);
  const sessionBinding = (await join(h, a)).bindingId;
  assert.match(sessionBinding, /^[0-9a-f]{32}$/);
  assert.equal(
    (await appSKeyReq(h, a, 'a-as')).bindingId,
    sessionBinding,
    'the owner’s AS sees its own session',
  );
  await h.claims.devices.unclaim(a.principal, devEui(1));
  h.clock.advance(1000);
  await claim(h, b);
  const asked = (await appSKeyReq(h, b, 'b-as')).bindingId;
  assert.match(asked, /^[0-9a-f]{32}$/);
  assert.notEqual(asked, sessionBinding, 'B’s AS must not reach A’s session');
  assert.equal((await join(h, b)).bindingId, asked, 'B’s own sessions are B’s');
});

test('the binding changes with a transfer and with a new claim by the same owner, and stays put otherwise', async () => {
  const h = await createHarness();
  await importDevices(h, 1);
  const a = await createOwner(h, 'a', '000013');
  await claim(h, a);
  const first = (await join(h, a)).bindingId;
  assert.equal((await join(h, a)).bindingId, first);
  const ns2 = await h.claims.peers.registerNetworkServer(
    a.principal,
    networkServerInput({ name: 'a-ns2', netId: '000015' }),
  );
  await h.claims.devices.transfer(a.principal, transferInput(1, ns2.peer.id));
  const moved = (await appSKeyReq(h, a, 'a-as')).bindingId;
  assert.notEqual(moved, first);
  await h.claims.devices.unclaim(a.principal, devEui(1));
  h.clock.advance(1000);
  await claim(h, a);
  const again = (await join(h, a)).bindingId;
  assert.notEqual(again, first);
  assert.notEqual(again, moved);
});
