import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSoftHsmModule, parseReassignedSlot, parseSlotByLabel, renderSoftHsmConf } from './softhsm.js';

test('the slot id comes from the init-token output', () => {
  const output = 'The token has been initialized and is reassigned to slot 1866382493\n';
  assert.equal(parseReassignedSlot(output), 1866382493);
  assert.equal(parseReassignedSlot('Slot 0 has a token with label joinery-test\n'), undefined);
});

test('the slot id of a labelled token comes from show-slots', () => {
  const output = `Available slots:
Slot 381234567
    Slot info:
        Description:      SoftHSM slot ID 0x16b92c87
        Token present:    yes
    Token info:
        Manufacturer ID:  SoftHSM project
        Label:            other-token
Slot 1866382493
    Slot info:
        Description:      SoftHSM slot ID 0x6f3e2c9d
    Token info:
        Manufacturer ID:  SoftHSM project
        Initialized:      yes
        Label:            joinery-test
Slot 2
    Slot info:
        Description:      SoftHSM slot ID 0x2
    Token info:
        Initialized:      no
        Label:            
`;
  assert.equal(parseSlotByLabel(output, 'joinery-test'), 1866382493);
  assert.equal(parseSlotByLabel(output, 'other-token'), 381234567);
  assert.equal(parseSlotByLabel(output, 'absent'), undefined);
});

test('the SoftHSM2 config keeps tokens as files in the given directory', () => {
  const conf = renderSoftHsmConf('/tmp/joinery-softhsm-x/tokens');
  assert.match(conf, /^directories\.tokendir = \/tmp\/joinery-softhsm-x\/tokens$/m);
  assert.match(conf, /^objectstore\.backend = file$/m);
});

test('the module is found in the first known location that exists', async () => {
  const present = new Set([
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
    '/usr/local/lib/softhsm/libsofthsm2.so',
  ]);
  assert.equal(
    await findSoftHsmModule((p) => present.has(p)),
    '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  );
  assert.equal(await findSoftHsmModule(() => false), undefined);
});
